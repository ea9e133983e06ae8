import 'reflect-metadata';
import { configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig, SwitchboardError } from '@switchboard/observability';
import { createIngressApp } from './ingress.app';
import { IngressConfigSchema } from './ingress.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngressConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  initTracing({ serviceName: 'ingress', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createIngressApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  new JsonLogger('ingress').info('ingress listening', { port: config.PORT, config: redactConfig(config) });
}

bootstrap().catch((error: unknown) => {
  // A bad tenant registry is a configuration error (exit 78, like bad env); anything else is a start-up failure.
  process.stderr.write(`ingress failed to start: ${(error as Error).message}\n`);
  process.exit(error instanceof SwitchboardError && error.code === 'TENANT.REGISTRY_INVALID' ? 78 : 1);
});
