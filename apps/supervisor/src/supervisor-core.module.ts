import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { KafkaBus } from '@switchboard/bus';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ProcedureSet } from '@switchboard/procedures';
import { createPool } from '@switchboard/store';
import type { TenantRegistry } from '@switchboard/tenancy';
import { CommandSignatures } from './commands/command-signature';
import { GatewayAdminPort } from './gateway/gateway-admin.port';
import { HttpGatewayAdminAdapter } from './gateway/http.adapter';
import type { Policy } from './policy/policy.schema';
import { SUPERVISOR_CONFIG, SUPERVISOR_POLICY, type SupervisorConfig } from './supervisor.config';

/** Injection token of the tenant registry (where each tenant's tickets go). */
export const SUPERVISOR_TENANTS = 'SUPERVISOR_TENANTS';

export interface SupervisorModuleOptions {
  config: SupervisorConfig;
  policy: Policy;
  /** Loaded, validated and simulated resolution procedures (supervisor.app.ts). */
  procedures: ProcedureSet;
  /** Where each tenant's tickets go (TENANT_REGISTRY_FILE, validated at start-up). */
  tenants: TenantRegistry;
  /** Tests replace the gateway admin adapter with a named fake. */
  gatewayAdmin?: GatewayAdminPort;
}

/**
 * What the case engine and the console share, made once per app: configuration, policy, procedures and tenants, the
 * Postgres pool, the Kafka bus, the supervisor's metrics registry (both sides register into it; `/metrics` renders
 * it), the gateway's admin port and the command signing keys. Opening and closing the pool and the bus is the case
 * engine runtime's part of the start and stop order (case-engine.module.ts).
 */
@Global()
@Module({})
export class SupervisorCoreModule {
  static forRoot(options: SupervisorModuleOptions): DynamicModule {
    const { config } = options;
    const logger = new JsonLogger('pg');
    const providers = [
      { provide: SUPERVISOR_CONFIG, useValue: config },
      { provide: SUPERVISOR_POLICY, useValue: options.policy },
      { provide: ProcedureSet, useValue: options.procedures },
      { provide: SUPERVISOR_TENANTS, useValue: options.tenants },
      { provide: Pool, useFactory: () => createPool(config, (error) => logger.error('idle pg client error', { error: describeError(error) })) },
      { provide: KafkaBus, useFactory: () => new KafkaBus(config, 'supervisor') },
      { provide: Registry, useFactory: () => new Registry() },
      {
        provide: GatewayAdminPort,
        useFactory: () => options.gatewayAdmin ?? new HttpGatewayAdminAdapter({ baseUrl: config.GATEWAY_URL, adminKey: config.GATEWAY_ADMIN_KEY, timeoutMs: config.GATEWAY_TIMEOUT_MS }),
      },
      // The console signs the commands it sends; the case engine's handler verifies what it consumes.
      { provide: CommandSignatures, useFactory: () => new CommandSignatures(config.SUPERVISOR_COMMAND_KEYS, config.SUPERVISOR_COMMAND_MAX_AGE_SECONDS) },
    ];
    return { module: SupervisorCoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
