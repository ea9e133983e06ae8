import 'reflect-metadata';
import { configureLogging, describeError, initTracing, JsonLogger, loadConfigOrExit, redactConfig } from '@switchboard/observability';
import { createGatewayApp } from './gateway.app';
import { GatewayConfigSchema } from './gateway.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(GatewayConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  initTracing({ serviceName: 'gateway', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createGatewayApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  // redactConfig's key pattern does not cover *_ADMIN_KEY.
  new JsonLogger('gateway').info('gateway listening', { port: config.PORT, config: { ...redactConfig(config), GATEWAY_ADMIN_KEY: '***' } });
}

bootstrap().catch((error: unknown) => {
  const { code, message } = describeError(error);
  process.stderr.write(`gateway failed to start: ${code}: ${message}\n`);
  // A procedure set that does not fit the catalogue is a configuration error (exit 78, like bad env).
  process.exit(code === 'PROCEDURES.INVALID' ? 78 : 1);
});
