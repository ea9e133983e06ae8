import 'reflect-metadata';
import { installProcessGuards } from '@switchboard/service-kit';
import { configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig } from '@switchboard/observability';
import { createIngressApp } from './ingress.app';
import { IngressConfigSchema } from './ingress.config';

const guard = installProcessGuards('ingress', { configErrorCodes: ['TENANT.REGISTRY_INVALID'] });

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngressConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  initTracing({ serviceName: 'ingress', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createIngressApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  new JsonLogger('ingress').info('ingress listening', { port: config.PORT, config: redactConfig(config) });
}

// Kafka not reachable within BUS_STARTUP_TIMEOUT_MS, a port taken: one line and a non-zero exit (78 for a bad registry).
bootstrap().catch(guard.failStart);
