import 'reflect-metadata';
import { installProcessGuards } from '@switchboard/service-kit';
import { configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig, SwitchboardError } from '@switchboard/observability';
import { createSupervisorApp } from './supervisor.app';
import { SupervisorConfigSchema } from './supervisor.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(SupervisorConfigSchema);
  configureLogging({ level: config.LOG_LEVEL });
  installProcessGuards('supervisor');
  initTracing({ serviceName: 'supervisor', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createSupervisorApp(config);
  await app.listen(config.PORT, '0.0.0.0');
  new JsonLogger('supervisor').info('supervisor listening', { port: config.PORT, config: redactConfig({ ...config, SUPERVISOR_CONSOLE_USERS: config.SUPERVISOR_CONSOLE_USERS.map((u) => `${u.username}:${u.role}`) }) });
}

bootstrap().catch((error: unknown) => {
  // A bad policy file, procedure set or tenant registry is a configuration error (exit 78, like bad env); anything else is a start-up failure.
  const code = error instanceof SwitchboardError && ['SUPERVISOR.POLICY_INVALID', 'PROCEDURES.INVALID', 'TENANT.REGISTRY_INVALID'].includes(error.code) ? 78 : 1;
  process.stderr.write(`supervisor failed to start: ${(error as Error).message}\n`);
  process.exit(code);
});
