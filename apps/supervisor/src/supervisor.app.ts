import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from '@switchboard/observability';
import type { GatewayAdminPort } from './gateway/gateway-admin.port';
import { loadPolicyFile } from './policy/policy.loader';
import type { Policy } from './policy/policy.schema';
import type { SupervisorConfig } from './supervisor.config';
import { SupervisorModule } from './supervisor.module';

/** Builds the supervisor app (main.ts and the integration tests); the policy file is read and validated here. */
export async function createSupervisorApp(config: SupervisorConfig, overrides: { policy?: Policy; gatewayAdmin?: GatewayAdminPort } = {}): Promise<NestExpressApplication> {
  const policy = overrides.policy ?? loadPolicyFile(config.SUPERVISOR_POLICY_FILE);
  const app = await NestFactory.create<NestExpressApplication>(
    SupervisorModule.forRoot({ config, policy, ...(overrides.gatewayAdmin ? { gatewayAdmin: overrides.gatewayAdmin } : {}) }),
    { logger: new JsonLogger('nest') },
  );
  app.useBodyParser('json', { limit: 64 * 1024 });
  app.enableShutdownHooks();
  return app;
}
