import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, HealthService, READINESS_CHECKS } from '@switchboard/service-kit';
import { CaseEngineModule, SupervisorRuntime } from './case-engine.module';
import { ConsoleModule } from './console.module';
import { SupervisorCoreModule, type SupervisorModuleOptions } from './supervisor-core.module';

/**
 * The supervisor app: SupervisorCoreModule (global: config, policy, procedures, tenants, pool, bus, metrics registry,
 * gateway admin port, command keys), CaseEngineModule (consumes the topics and moves cases) and ConsoleModule (the
 * console and the HTTP API, which read through the engine's exports and send commands on `supervisor.commands`).
 *
 * Start order: migrations → topics → outbox relay (init) → consumer (the bus transport, SupervisorEventsController) →
 * scanners (once the transport is connected); stop in reverse: live-update streams (ConsoleModule, on destroy, so the
 * HTTP server can close) → scanners (before shutdown) → consumer (Nest closes the transport) → outbox → bus → pool.
 * All of it but the streams is SupervisorRuntime's (case-engine.module.ts); Nest runs every module's destroy hooks
 * before any before-shutdown hook.
 */
@Module({})
export class SupervisorModule {
  static forRoot(options: SupervisorModuleOptions): DynamicModule {
    return {
      module: SupervisorModule,
      imports: [SupervisorCoreModule.forRoot(options), CaseEngineModule, ConsoleModule],
      controllers: [HealthController],
      providers: [HealthService, { provide: READINESS_CHECKS, useFactory: (runtime: SupervisorRuntime) => [runtime], inject: [SupervisorRuntime] }],
    };
  }
}
