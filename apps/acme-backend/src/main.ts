import 'reflect-metadata';
import { configureLogging, describeError, JsonLogger, loadConfigOrExit, redactConfig } from '@switchboard/observability';
import { createAcmeApp } from './acme.app';
import { AcmeConfigSchema } from './acme.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(AcmeConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  const app = await createAcmeApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  new JsonLogger('acme').info('acme backend listening', { port: config.PORT, config: redactConfig(config) });
}

bootstrap().catch((error: unknown) => {
  const { code, message } = describeError(error);
  process.stderr.write(`acme backend failed to start: ${code}: ${message}\n`);
  process.exit(1);
});
