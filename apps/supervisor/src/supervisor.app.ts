import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startBusTransport } from '@switchboard/bus-transport';
import { JsonLogger } from '@switchboard/observability';
import { loadProcedureSet, type ProcedureSet } from '@switchboard/procedures';
import type { NextFunction, Request, Response } from 'express';
import { loadTenantRegistry, type TenantRegistry } from '@switchboard/tenancy';
import type { GatewayAdminPort } from './gateway/gateway-admin.port';
import { supervisorAppPath } from './paths';
import { checkAutonomy } from './policy/autonomy-gate';
import { loadPolicyFile } from './policy/policy.loader';
import type { Policy } from './policy/policy.schema';
import type { SupervisorConfig } from './supervisor.config';
import { SupervisorModule } from './supervisor.module';

/**
 * Builds the supervisor app (main.ts and the integration tests). The policy file, the tenant registry and the
 * procedures directory are read and validated here, and the procedures of every intent the policy runs autonomously
 * are simulated (the autonomy gate): any problem stops the start with the full list. The app comes back initialised
 * and consuming (the bus transport is ready); `listen` binds HTTP.
 */
export async function createSupervisorApp(
  config: SupervisorConfig,
  overrides: { policy?: Policy; procedures?: ProcedureSet; gatewayAdmin?: GatewayAdminPort; tenants?: TenantRegistry } = {},
): Promise<NestExpressApplication> {
  const policy = overrides.policy ?? loadPolicyFile(config.SUPERVISOR_POLICY_FILE);
  const tenants = overrides.tenants ?? loadTenantRegistry(config);
  const procedures = overrides.procedures ?? loadProcedureSet(config.PROCEDURES_DIR);
  const simulations = await checkAutonomy(policy, procedures);
  new JsonLogger('supervisor').info('procedures loaded', {
    dir: overrides.procedures ? '(given)' : config.PROCEDURES_DIR, digest: procedures.digest, intents: procedures.intents(),
    procedures: procedures.all().map((p) => `${p.id}@${p.version}`), simulations: `${simulations.filter((r) => r.passed).length}/${simulations.length} passed`,
  });
  const app = await NestFactory.create<NestExpressApplication>(
    SupervisorModule.forRoot({ config, policy, procedures, tenants, ...(overrides.gatewayAdmin ? { gatewayAdmin: overrides.gatewayAdmin } : {}) }),
    { logger: new JsonLogger('nest') },
  );
  app.useBodyParser('json', { limit: 64 * 1024 });
  if (config.SUPERVISOR_TRUST_PROXY_HOPS > 0) app.set('trust proxy', config.SUPERVISOR_TRUST_PROXY_HOPS);
  // The console: static ES modules, same origin as the API, nothing from elsewhere (no inline script, no framing).
  app.use('/console', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.useStaticAssets(supervisorAppPath('console'), { prefix: '/console/', index: 'index.html', fallthrough: true });
  app.getHttpAdapter().getInstance().get('/', (_req: Request, res: Response) => res.redirect(302, '/console/'));
  app.enableShutdownHooks();
  await startBusTransport(app);
  return app;
}
