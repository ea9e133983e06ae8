import { Inject, Injectable, Module, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { filter, take } from 'rxjs';
import { KafkaBus } from '@switchboard/bus';
import { BusTransport } from '@switchboard/bus-transport';
import { ReadinessCheck } from '@switchboard/service-kit';
import { TaskTokenIssuer } from '@switchboard/task-tokens';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ProcedureSet } from '@switchboard/procedures';
import { outboxGauges, OutboxLeasePublisher, OutboxRelay, runMigrations, storeMigrationsDir } from '@switchboard/store';
import type { TenantRegistry } from '@switchboard/tenancy';
import { AdmissionScanner } from './admission/admission-scanner';
import { TenantAdmission } from './admission/tenant-admission';
import { CaseRepository } from './case/case.repository';
import { CaseService } from './case/case.service';
import { registerDueQuarantineMetrics } from './case/due-quarantine.metrics';
import { DueQuarantineRepository } from './case/due-quarantine.repository';
import { DueScanner } from './case/due-scanner';
import { groupCommitMetric } from './case/group-commit';
import { CommandSignatures } from './commands/command-signature';
import { GatewayAdminPort } from './gateway/gateway-admin.port';
import { ticketIntake } from './intake/ticket-intake';
import { supervisorAppPath } from './paths';
import type { Policy } from './policy/policy.schema';
import { ProcedureRegistry } from './policy/procedure-registry';
import { RetentionService } from './retention/retention.service';
import { DemotionRepository } from './rollout/demotion.repository';
import { PromotionRepository } from './rollout/promotion.repository';
import { RolloutService } from './rollout/rollout.service';
import { SupervisorEventsController } from './supervisor-events.controller';
import { SUPERVISOR_CONFIG, SUPERVISOR_POLICY, type SupervisorConfig } from './supervisor.config';
import { SUPERVISOR_TENANTS } from './supervisor-core.module';
import { SUPERVISOR_TOPICS, SupervisorHandler } from './supervisor.handler';

/**
 * The engine's part of the start and stop order (supervisor.module.ts): migrations → topics → outbox relay (init) →
 * consumer (the bus transport, SupervisorEventsController) → scanners (once the transport is connected); stop in
 * reverse: scanners (before shutdown) → consumer (Nest closes the transport) → outbox → bus → pool.
 */
@Injectable()
export class SupervisorRuntime extends ReadinessCheck implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly name = 'supervisor';
  private readonly logger = new JsonLogger(SupervisorRuntime.name);
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig,
    @Inject(Pool) private readonly pool: Pool,
    @Inject(KafkaBus) private readonly bus: KafkaBus,
    @Inject(BusTransport) private readonly transport: BusTransport,
    @Inject(DueScanner) private readonly scanner: DueScanner,
    @Inject(AdmissionScanner) private readonly admissions: AdmissionScanner,
    @Inject(OutboxLeasePublisher) private readonly publisher: OutboxLeasePublisher,
    @Inject(RetentionService) private readonly retention: RetentionService,
    @Inject(ProcedureRegistry) private readonly registry: ProcedureRegistry,
    @Inject(ProcedureSet) private readonly procedures: ProcedureSet,
  ) {
    super();
    this.relay = new OutboxRelay(pool, (records) => bus.publishRaw(records));
  }

  async onModuleInit(): Promise<void> {
    if (this.config.SUPERVISOR_RUN_MIGRATIONS) {
      await runMigrations(this.pool, 'store', storeMigrationsDir());
      await runMigrations(this.pool, 'supervisor', supervisorAppPath('migrations'));
    }
    await this.registry.record(this.procedures);
    // Connects too, retrying an unreachable broker up to BUS_STARTUP_TIMEOUT_MS.
    await this.bus.ensureTopics();
    await this.relay.start();
    this.transport.status.pipe(filter((status) => status === 'connected'), take(1)).subscribe(() => {
      this.scanner.start();
      this.admissions.start();
      this.retention.start(this.config.SUPERVISOR_RETENTION_INTERVAL_MINUTES * 60_000);
      this.logger.info('supervisor running', { groupId: this.config.SUPERVISOR_GROUP_ID, topics: SUPERVISOR_TOPICS });
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.retention.stop();
    await this.scanner.stop();
    await this.admissions.stop();
  }

  /** The pool and the bus are shared with the console, whose HTTP server is closed by now. */
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.flush();
    await this.relay.stop();
    await this.bus.disconnect();
    await this.pool.end().catch((error: unknown) => this.logger.warn('pool close failed', { error: describeError(error) }));
  }

  async check(): Promise<boolean> {
    if (!this.transport.healthy()) return false;
    await this.pool.query('SELECT 1');
    return true;
  }
}

/**
 * The admission scanner needs the case service, and the case service tells the scanner about freed slots: the poke is
 * bound here once the scanner exists (one per app).
 */
@Injectable()
class SlotFreed {
  poke: () => void = () => undefined;
}

/**
 * The case engine: what consumes the supervisor's topics and moves cases (case service and machine, the handler and
 * its events controller, admission, the due and admission scanners, the outbox publisher and relay, retention,
 * automatic demotion, the procedure registry) and the runtime that starts and stops it. It exports what the console
 * reads or administers; it never sees the console (a console command reaches it through `supervisor.commands`).
 */
@Module({
  controllers: [SupervisorEventsController],
  providers: [
    {
      provide: BusTransport,
      // Every supervisor effect is behind the processed-message ledger, so a crash repeating what was handled since
      // the last interval commit is harmless.
      useFactory: (config: SupervisorConfig, bus: KafkaBus) => new BusTransport(bus, { groupId: config.SUPERVISOR_GROUP_ID, partitionsConsumedConcurrently: config.SUPERVISOR_CONCURRENCY, keyConcurrency: config.SUPERVISOR_KEY_CONCURRENCY, commitEvery: 'interval' }),
      inject: [SUPERVISOR_CONFIG, KafkaBus],
    },
    { provide: ProcedureRegistry, useFactory: (pool: Pool) => new ProcedureRegistry(pool), inject: [Pool] },
    { provide: CaseRepository, useFactory: (pool: Pool) => new CaseRepository(pool), inject: [Pool] },
    { provide: TaskTokenIssuer, useFactory: (config: SupervisorConfig) => new TaskTokenIssuer(config.GATEWAY_TOKEN_SECRET), inject: [SUPERVISOR_CONFIG] },
    {
      provide: OutboxLeasePublisher,
      useFactory: (config: SupervisorConfig, pool: Pool, bus: KafkaBus, registry: Registry) => {
        outboxGauges(registry, pool);
        return new OutboxLeasePublisher(pool, (records) => bus.publishRaw(records), { leaseMs: config.SUPERVISOR_OUTBOX_LEASE_MS });
      },
      inject: [SUPERVISOR_CONFIG, Pool, KafkaBus, Registry],
    },
    { provide: DueQuarantineRepository, useFactory: (pool: Pool) => new DueQuarantineRepository(pool), inject: [Pool] },
    SlotFreed,
    {
      provide: CaseService,
      useFactory: (config: SupervisorConfig, policy: Policy, procedures: ProcedureSet, tenants: TenantRegistry, pool: Pool, repo: CaseRepository, tokens: TaskTokenIssuer, gateway: GatewayAdminPort,
        publisher: OutboxLeasePublisher, registry: Registry, quarantine: DueQuarantineRepository, rollout: RolloutService, admission: TenantAdmission, slotFreed: SlotFreed) =>
        new CaseService(pool, repo, policy, tokens, gateway, {
          rollout,
          ...(admission.enabled ? { admission: { admitIn: (tx, envelope) => admission.admitIn(tx, envelope), onSlotFreed: () => slotFreed.poke() } } : {}),
          procedures,
          admit: ticketIntake(tenants),
          ...(config.SUPERVISOR_DIRECT_PUBLISH ? { publisher } : {}),
          cacheMaxBytes: config.SUPERVISOR_CASE_CACHE_MAX_BYTES,
          dueRetry: { baseMs: config.SUPERVISOR_DUE_RETRY_BASE_MS, maxMs: config.SUPERVISOR_DUE_RETRY_MAX_MS, maxFailures: config.SUPERVISOR_DUE_MAX_FAILURES },
          onDueFailure: registerDueQuarantineMetrics(registry, quarantine),
          groupCommit: { maxBatch: config.SUPERVISOR_GROUP_COMMIT_MAX, onFlush: groupCommitMetric(registry) },
        }),
      inject: [SUPERVISOR_CONFIG, SUPERVISOR_POLICY, ProcedureSet, SUPERVISOR_TENANTS, Pool, CaseRepository, TaskTokenIssuer, GatewayAdminPort,
        OutboxLeasePublisher, Registry, DueQuarantineRepository, RolloutService, TenantAdmission, SlotFreed],
    },
    {
      provide: TenantAdmission,
      useFactory: (config: SupervisorConfig, pool: Pool, registry: Registry) => new TenantAdmission(pool, config.SUPERVISOR_TENANT_MAX_ACTIVE, registry, {
        budget: config.SUPERVISOR_ACTIVE_BUDGET, windowMs: config.SUPERVISOR_DEMAND_WINDOW_SECONDS * 1000,
      }),
      inject: [SUPERVISOR_CONFIG, Pool, Registry],
    },
    {
      provide: AdmissionScanner,
      useFactory: (config: SupervisorConfig, admission: TenantAdmission, cases: CaseService, slotFreed: SlotFreed) => {
        const scanner = new AdmissionScanner(admission, cases, config.SUPERVISOR_SCAN_INTERVAL_MS);
        slotFreed.poke = () => scanner.poke();
        return scanner;
      },
      inject: [SUPERVISOR_CONFIG, TenantAdmission, CaseService, SlotFreed],
    },
    {
      provide: RolloutService,
      useFactory: (policy: Policy, procedures: ProcedureSet, pool: Pool, registry: Registry) => new RolloutService(new DemotionRepository(pool), policy.demotion, {
        registry, promotions: { repo: new PromotionRepository(pool), policy, procedures },
      }),
      inject: [SUPERVISOR_POLICY, ProcedureSet, Pool, Registry],
    },
    {
      provide: SupervisorHandler,
      useFactory: (config: SupervisorConfig, cases: CaseService, commands: CommandSignatures) => new SupervisorHandler(cases, config.BUS_MAX_ATTEMPTS, commands),
      inject: [SUPERVISOR_CONFIG, CaseService, CommandSignatures],
    },
    {
      provide: RetentionService,
      useFactory: (config: SupervisorConfig, pool: Pool, registry: Registry) => new RetentionService(pool, {
        outboxSentMs: config.SUPERVISOR_RETAIN_OUTBOX_SENT_HOURS * 3_600_000,
        processedMs: config.SUPERVISOR_RETAIN_PROCESSED_DAYS * 86_400_000,
        traceMs: config.SUPERVISOR_RETAIN_TRACE_DAYS * 86_400_000,
        checkpointMs: config.SUPERVISOR_RETAIN_CHECKPOINT_DAYS * 86_400_000,
      }, { registry }),
      inject: [SUPERVISOR_CONFIG, Pool, Registry],
    },
    { provide: DueScanner, useFactory: (config: SupervisorConfig, cases: CaseService) => new DueScanner(cases, config.SUPERVISOR_SCAN_INTERVAL_MS), inject: [SUPERVISOR_CONFIG, CaseService] },
    SupervisorRuntime,
  ],
  // Reads (cases, quarantine, admission backlog, procedure versions) and the rollout API's service; the runtime is the
  // app's readiness check.
  exports: [CaseRepository, DueQuarantineRepository, TenantAdmission, ProcedureRegistry, RolloutService, SupervisorRuntime],
})
export class CaseEngineModule {}
