import { Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Pool } from 'pg';
import { filter, take } from 'rxjs';
import { KafkaBus } from '@switchboard/bus';
import { BusTransport } from '@switchboard/bus-transport';
import { HealthController, HealthService, READINESS_CHECKS, ReadinessCheck } from '@switchboard/service-kit';
import { TaskTokenIssuer } from '@switchboard/task-tokens';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ProcedureSet } from '@switchboard/procedures';
import { createPool, outboxGauges, OutboxLeasePublisher, OutboxRelay, runMigrations, storeMigrationsDir } from '@switchboard/store';
import type { TenantRegistry } from '@switchboard/tenancy';
import { supervisorErrorFilter } from './api/error.filter';
import { CasesController } from './api/cases.controller';
import { ViewsController } from './api/views.controller';
import { AdmissionController } from './api/admission.controller';
import { VerdictsController } from './api/verdicts.controller';
import { ConsoleController } from './api/console.controller';
import { HelpdeskController } from './api/helpdesk.controller';
import { MetricsController } from './api/metrics.controller';
import { OutcomesController } from './api/outcomes.controller';
import { RolloutController } from './api/rollout.controller';
import { ProceduresController } from './api/procedures.controller';
import { QuarantineController } from './api/quarantine.controller';
import { ActorGuard } from './auth/actor.guard';
import { AuthController } from './auth/auth.controller';
import { LoginThrottle } from './auth/login-throttle';
import { SessionCodec } from './auth/session';
import { CaseRepository } from './case/case.repository';
import { CaseService } from './case/case.service';
import { CommandSignatures } from './commands/command-signature';
import { DueScanner } from './case/due-scanner';
import { AdmissionScanner } from './admission/admission-scanner';
import { TenantAdmission } from './admission/tenant-admission';
import { DueQuarantineRepository } from './case/due-quarantine.repository';
import { registerDueQuarantineMetrics } from './case/due-quarantine.metrics';
import { ticketIntake } from './intake/ticket-intake';
import { CaseEventsHub } from './console/case-events.hub';
import { ConsoleRepository } from './console/console.repository';
import { ConsoleService } from './console/console.service';
import { SlaClock } from './sla/sla.policy';
import { SupervisorMetrics } from './console/metrics.service';
import { GatewayAdminPort } from './gateway/gateway-admin.port';
import { HttpGatewayAdminAdapter } from './gateway/http.adapter';
import { HelpdeskConsoleService } from './helpdesk/helpdesk-console.service';
import { InboxRepository } from './inbox/inbox.repository';
import { OutcomesRepository } from './outcomes/outcomes.repository';
import { OutcomesService } from './outcomes/outcomes.service';
import { DemotionRepository } from './rollout/demotion.repository';
import { PromotionRepository } from './rollout/promotion.repository';
import { RolloutService } from './rollout/rollout.service';
import { supervisorAppPath } from './paths';
import { RetentionService } from './retention/retention.service';
import type { Policy } from './policy/policy.schema';
import { ProcedureRegistry } from './policy/procedure-registry';
import { SUPERVISOR_CONFIG, SUPERVISOR_POLICY, type SupervisorConfig } from './supervisor.config';
import { SupervisorEventsController } from './supervisor-events.controller';
import { SUPERVISOR_TOPICS, SupervisorHandler } from './supervisor.handler';

/**
 * Start order: migrations → topics → outbox relay (init) → consumer (the bus transport, SupervisorEventsController) →
 * scanners (once the transport is connected); stop in reverse: scanners (before shutdown) → consumer (Nest closes the
 * transport) → outbox → bus → pool.
 */
@Injectable()
class SupervisorRuntime extends ReadinessCheck implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
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
    @Inject(CaseEventsHub) private readonly events: CaseEventsHub,
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

  /** Before the HTTP server closes: open live-update streams would otherwise keep it open. */
  onModuleDestroy(): void {
    this.events.closeAll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.retention.stop();
    await this.scanner.stop();
    await this.admissions.stop();
  }

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

@Module({})
export class SupervisorModule {
  static forRoot(options: SupervisorModuleOptions): DynamicModule {
    const { config, policy, procedures } = options;
    const logger = new JsonLogger('pg');
    let slotFreed = (): void => undefined;
    return {
      module: SupervisorModule,
      controllers: [SupervisorEventsController, HealthController, AuthController, CasesController, ConsoleController, MetricsController, ProceduresController, QuarantineController, HelpdeskController, ViewsController, OutcomesController, RolloutController, AdmissionController, VerdictsController],
      providers: [
        // Every HTTP error of the API and the console (domain errors, validation, body parser) in one shape.
        { provide: APP_FILTER, useFactory: supervisorErrorFilter },
        { provide: SUPERVISOR_CONFIG, useValue: config },
        { provide: SUPERVISOR_POLICY, useValue: policy },
        { provide: ProcedureSet, useValue: procedures },
        { provide: ProcedureRegistry, useFactory: (pool: Pool) => new ProcedureRegistry(pool), inject: [Pool] },
        { provide: Pool, useFactory: () => createPool(config, (error) => logger.error('idle pg client error', { error: describeError(error) })) },
        { provide: KafkaBus, useFactory: () => new KafkaBus(config, 'supervisor') },
        {
          provide: BusTransport,
          // Every supervisor effect is behind the processed-message ledger, so a crash repeating what was handled since
          // the last interval commit is harmless.
          useFactory: (bus: KafkaBus) => new BusTransport(bus, { groupId: config.SUPERVISOR_GROUP_ID, partitionsConsumedConcurrently: config.SUPERVISOR_CONCURRENCY, commitEvery: 'interval' }),
          inject: [KafkaBus],
        },
        { provide: CaseRepository, useFactory: (pool: Pool) => new CaseRepository(pool), inject: [Pool] },
        { provide: InboxRepository, useFactory: (pool: Pool) => new InboxRepository(pool), inject: [Pool] },
        { provide: SlaClock, useFactory: () => new SlaClock(config.SUPERVISOR_SLA, config.SUPERVISOR_SLA_MINUTES) },
        { provide: TaskTokenIssuer, useFactory: () => new TaskTokenIssuer(config.GATEWAY_TOKEN_SECRET) },
        {
          provide: GatewayAdminPort,
          useFactory: () => options.gatewayAdmin ?? new HttpGatewayAdminAdapter({ baseUrl: config.GATEWAY_URL, adminKey: config.GATEWAY_ADMIN_KEY, timeoutMs: config.GATEWAY_TIMEOUT_MS }),
        },
        {
          provide: OutboxLeasePublisher,
          useFactory: (pool: Pool, bus: KafkaBus) => new OutboxLeasePublisher(pool, (records) => bus.publishRaw(records), { leaseMs: config.SUPERVISOR_OUTBOX_LEASE_MS }),
          inject: [Pool, KafkaBus],
        },
        { provide: DueQuarantineRepository, useFactory: (pool: Pool) => new DueQuarantineRepository(pool), inject: [Pool] },
        {
          provide: CaseService,
          useFactory: (pool: Pool, repo: CaseRepository, tokens: TaskTokenIssuer, gateway: GatewayAdminPort, publisher: OutboxLeasePublisher, metrics: SupervisorMetrics, quarantine: DueQuarantineRepository, rollout: RolloutService, admission: TenantAdmission) =>
            new CaseService(pool, repo, policy, tokens, gateway, {
              rollout,
              // The scanner needs the case service; it is told about freed slots through this late-bound poke.
              ...(admission.enabled ? { admission: { admitIn: (tx, envelope) => admission.admitIn(tx, envelope), onSlotFreed: () => slotFreed() } } : {}),
              procedures,
              admit: ticketIntake(options.tenants),
              ...(config.SUPERVISOR_DIRECT_PUBLISH ? { publisher } : {}),
              cacheMaxBytes: config.SUPERVISOR_CASE_CACHE_MAX_BYTES,
              dueRetry: { baseMs: config.SUPERVISOR_DUE_RETRY_BASE_MS, maxMs: config.SUPERVISOR_DUE_RETRY_MAX_MS, maxFailures: config.SUPERVISOR_DUE_MAX_FAILURES },
              onDueFailure: registerDueQuarantineMetrics(metrics.registry, quarantine),
            }),
          inject: [Pool, CaseRepository, TaskTokenIssuer, GatewayAdminPort, OutboxLeasePublisher, SupervisorMetrics, DueQuarantineRepository, RolloutService, TenantAdmission],
        },
        {
          provide: TenantAdmission,
          useFactory: (pool: Pool, metrics: SupervisorMetrics) => new TenantAdmission(pool, config.SUPERVISOR_TENANT_MAX_ACTIVE, metrics.registry),
          inject: [Pool, SupervisorMetrics],
        },
        {
          provide: AdmissionScanner,
          useFactory: (admission: TenantAdmission, cases: CaseService) => {
            const scanner = new AdmissionScanner(admission, cases, config.SUPERVISOR_SCAN_INTERVAL_MS);
            slotFreed = () => scanner.poke();
            return scanner;
          },
          inject: [TenantAdmission, CaseService],
        },
        {
          provide: RolloutService,
          useFactory: (pool: Pool, metrics: SupervisorMetrics) => new RolloutService(new DemotionRepository(pool), policy.demotion, {
            registry: metrics.registry, promotions: { repo: new PromotionRepository(pool), policy, procedures },
          }),
          inject: [Pool, SupervisorMetrics],
        },
        { provide: CommandSignatures, useFactory: () => new CommandSignatures(config.SUPERVISOR_COMMAND_KEYS, config.SUPERVISOR_COMMAND_MAX_AGE_SECONDS) },
        {
          provide: SupervisorHandler,
          useFactory: (cases: CaseService, commands: CommandSignatures) => new SupervisorHandler(cases, config.BUS_MAX_ATTEMPTS, commands),
          inject: [CaseService, CommandSignatures],
        },
        {
          provide: RetentionService,
          useFactory: (pool: Pool, metrics: SupervisorMetrics) => new RetentionService(pool, {
            outboxSentMs: config.SUPERVISOR_RETAIN_OUTBOX_SENT_HOURS * 3_600_000,
            processedMs: config.SUPERVISOR_RETAIN_PROCESSED_DAYS * 86_400_000,
            traceMs: config.SUPERVISOR_RETAIN_TRACE_DAYS * 86_400_000,
            checkpointMs: config.SUPERVISOR_RETAIN_CHECKPOINT_DAYS * 86_400_000,
          }, { registry: metrics.registry }),
          inject: [Pool, SupervisorMetrics],
        },
        { provide: DueScanner, useFactory: (cases: CaseService) => new DueScanner(cases, config.SUPERVISOR_SCAN_INTERVAL_MS), inject: [CaseService] },
        SupervisorRuntime,
        { provide: READINESS_CHECKS, useFactory: (runtime: SupervisorRuntime) => [runtime], inject: [SupervisorRuntime] },
        HealthService,
        { provide: SessionCodec, useFactory: () => new SessionCodec(config.SUPERVISOR_SESSION_SECRET, config.SUPERVISOR_SESSION_TTL_SECONDS) },
        {
          provide: LoginThrottle,
          useFactory: (pool: Pool) => LoginThrottle.postgres(pool, {
            maxFailuresPerUser: config.SUPERVISOR_LOGIN_MAX_FAILURES_PER_USER, maxFailuresPerIp: config.SUPERVISOR_LOGIN_MAX_FAILURES_PER_IP,
            windowSeconds: config.SUPERVISOR_LOGIN_FAILURE_WINDOW_SECONDS, lockoutSeconds: config.SUPERVISOR_LOGIN_LOCKOUT_SECONDS, maxAttemptsPerMinute: config.SUPERVISOR_LOGIN_MAX_PER_MINUTE,
          }),
          inject: [Pool],
        },
        ActorGuard,
        { provide: ConsoleRepository, useFactory: (pool: Pool) => new ConsoleRepository(pool), inject: [Pool] },
        { provide: OutcomesRepository, useFactory: (pool: Pool) => new OutcomesRepository(pool), inject: [Pool] },
        { provide: OutcomesService, useFactory: (repo: OutcomesRepository) => new OutcomesService(repo), inject: [OutcomesRepository] },
        { provide: CaseEventsHub, useFactory: (repo: ConsoleRepository) => new CaseEventsHub(repo), inject: [ConsoleRepository] },
        {
          provide: SupervisorMetrics,
          useFactory: (repo: ConsoleRepository, hub: CaseEventsHub, pool: Pool, outcomes: OutcomesRepository, sla: SlaClock) => {
            const metrics = new SupervisorMetrics(repo, config.SUPERVISOR_METRICS_WINDOW_HOURS, () => hub.listeners, config.SUPERVISOR_METRICS_CACHE_SECONDS * 1000, Date.now, outcomes, sla);
            outboxGauges(metrics.registry, pool);
            return metrics;
          },
          inject: [ConsoleRepository, CaseEventsHub, Pool, OutcomesRepository, SlaClock],
        },
        {
          provide: ConsoleService,
          useFactory: (pool: Pool, cases: CaseRepository, repo: ConsoleRepository, bus: KafkaBus, metrics: SupervisorMetrics, commands: CommandSignatures) =>
            new ConsoleService(pool, cases, repo, bus, commands, (command) => metrics.countDecision(command),
              (userId) => config.SUPERVISOR_CONSOLE_USERS.some((u) => u.username === userId && u.role === 'supervisor')),
          inject: [Pool, CaseRepository, ConsoleRepository, KafkaBus, SupervisorMetrics, CommandSignatures],
        },
        {
          provide: HelpdeskConsoleService,
          useFactory: (pool: Pool, cases: CaseRepository, repo: ConsoleRepository, bus: KafkaBus, metrics: SupervisorMetrics) =>
            new HelpdeskConsoleService(pool, cases, repo, bus, (command) => metrics.countDecision(command)),
          inject: [Pool, CaseRepository, ConsoleRepository, KafkaBus, SupervisorMetrics],
        },
      ],
    };
  }
}
