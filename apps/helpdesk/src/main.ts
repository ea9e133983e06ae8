import 'reflect-metadata';
import { configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig, SwitchboardError } from '@switchboard/observability';
import { createHelpdeskApp } from './helpdesk.app';
import { HelpdeskConfigSchema } from './helpdesk.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(HelpdeskConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  initTracing({ serviceName: 'helpdesk', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createHelpdeskApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  new JsonLogger('helpdesk').info('helpdesk connector listening', { port: config.PORT, config: redactConfig(config) });
}

bootstrap().catch((error: unknown) => {
  // A bad routing table is a configuration error (exit 78, like bad env); anything else is a start-up failure.
  const code = error instanceof SwitchboardError && error.code === 'HELPDESK.ROUTING_INVALID' ? 78 : 1;
  process.stderr.write(`helpdesk failed to start: ${(error as Error).message}\n`);
  process.exit(code);
});
