import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { KafkaBus } from '@switchboard/bus';
import { AdmissionController } from './api/admission.controller';
import { CasesController } from './api/cases.controller';
import { ConsoleController } from './api/console.controller';
import { supervisorErrorFilter } from './api/error.filter';
import { HelpdeskController } from './api/helpdesk.controller';
import { MetricsController } from './api/metrics.controller';
import { OutcomesController } from './api/outcomes.controller';
import { ProceduresController } from './api/procedures.controller';
import { QuarantineController } from './api/quarantine.controller';
import { RolloutController } from './api/rollout.controller';
import { VerdictsController } from './api/verdicts.controller';
import { ViewsController } from './api/views.controller';
import { ActorGuard } from './auth/actor.guard';
import { AuthController } from './auth/auth.controller';
import { LoginThrottle } from './auth/login-throttle';
import { SessionCodec } from './auth/session';
import { CaseEngineModule } from './case-engine.module';
import { CaseRepository } from './case/case.repository';
import { CommandSignatures } from './commands/command-signature';
import { CaseEventsHub } from './console/case-events.hub';
import { ConsoleRepository } from './console/console.repository';
import { ConsoleService } from './console/console.service';
import { SupervisorMetrics } from './console/metrics.service';
import { HelpdeskConsoleService } from './helpdesk/helpdesk-console.service';
import { InboxRepository } from './inbox/inbox.repository';
import { OutcomesRepository } from './outcomes/outcomes.repository';
import { OutcomesService } from './outcomes/outcomes.service';
import { SlaClock } from './sla/sla.policy';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from './supervisor.config';

/**
 * The console and the HTTP API: sign-in, the inbox and views, the case page and its live updates, commands (checked
 * against case/command-rules.ts, then sent on `supervisor.commands` for the engine to decide again), helpdesk
 * re-sends, feedback, KPIs and `/metrics`, outcomes, rollout, quarantine, admission and verdict pages. It reads cases
 * through what CaseEngineModule exports and never moves one itself.
 */
@Module({
  imports: [CaseEngineModule],
  controllers: [AuthController, CasesController, ConsoleController, MetricsController, ProceduresController, QuarantineController, HelpdeskController, ViewsController, OutcomesController, RolloutController, AdmissionController, VerdictsController],
  providers: [
    // Every HTTP error of the API and the console (domain errors, validation, body parser) in one shape.
    { provide: APP_FILTER, useFactory: supervisorErrorFilter },
    { provide: SessionCodec, useFactory: (config: SupervisorConfig) => new SessionCodec(config.SUPERVISOR_SESSION_SECRET, config.SUPERVISOR_SESSION_TTL_SECONDS), inject: [SUPERVISOR_CONFIG] },
    {
      provide: LoginThrottle,
      useFactory: (config: SupervisorConfig, pool: Pool) => LoginThrottle.postgres(pool, {
        maxFailuresPerUser: config.SUPERVISOR_LOGIN_MAX_FAILURES_PER_USER, maxFailuresPerIp: config.SUPERVISOR_LOGIN_MAX_FAILURES_PER_IP,
        windowSeconds: config.SUPERVISOR_LOGIN_FAILURE_WINDOW_SECONDS, lockoutSeconds: config.SUPERVISOR_LOGIN_LOCKOUT_SECONDS, maxAttemptsPerMinute: config.SUPERVISOR_LOGIN_MAX_PER_MINUTE,
      }),
      inject: [SUPERVISOR_CONFIG, Pool],
    },
    ActorGuard,
    { provide: InboxRepository, useFactory: (pool: Pool) => new InboxRepository(pool), inject: [Pool] },
    { provide: SlaClock, useFactory: (config: SupervisorConfig) => new SlaClock(config.SUPERVISOR_SLA, config.SUPERVISOR_SLA_MINUTES), inject: [SUPERVISOR_CONFIG] },
    { provide: ConsoleRepository, useFactory: (pool: Pool) => new ConsoleRepository(pool), inject: [Pool] },
    { provide: OutcomesRepository, useFactory: (pool: Pool) => new OutcomesRepository(pool), inject: [Pool] },
    { provide: OutcomesService, useFactory: (repo: OutcomesRepository) => new OutcomesService(repo), inject: [OutcomesRepository] },
    { provide: CaseEventsHub, useFactory: (repo: ConsoleRepository) => new CaseEventsHub(repo), inject: [ConsoleRepository] },
    {
      provide: SupervisorMetrics,
      useFactory: (config: SupervisorConfig, repo: ConsoleRepository, hub: CaseEventsHub, outcomes: OutcomesRepository, sla: SlaClock, registry: Registry) =>
        new SupervisorMetrics(repo, config.SUPERVISOR_METRICS_WINDOW_HOURS, () => hub.listeners, config.SUPERVISOR_METRICS_CACHE_SECONDS * 1000, Date.now, outcomes, sla, registry),
      inject: [SUPERVISOR_CONFIG, ConsoleRepository, CaseEventsHub, OutcomesRepository, SlaClock, Registry],
    },
    {
      provide: ConsoleService,
      useFactory: (config: SupervisorConfig, pool: Pool, cases: CaseRepository, repo: ConsoleRepository, bus: KafkaBus, metrics: SupervisorMetrics, commands: CommandSignatures) =>
        new ConsoleService(pool, cases, repo, bus, commands, (command) => metrics.countDecision(command),
          (userId) => config.SUPERVISOR_CONSOLE_USERS.some((u) => u.username === userId && u.role === 'supervisor')),
      inject: [SUPERVISOR_CONFIG, Pool, CaseRepository, ConsoleRepository, KafkaBus, SupervisorMetrics, CommandSignatures],
    },
    {
      provide: HelpdeskConsoleService,
      useFactory: (pool: Pool, cases: CaseRepository, repo: ConsoleRepository, bus: KafkaBus, metrics: SupervisorMetrics) =>
        new HelpdeskConsoleService(pool, cases, repo, bus, (command) => metrics.countDecision(command)),
      inject: [Pool, CaseRepository, ConsoleRepository, KafkaBus, SupervisorMetrics],
    },
  ],
})
export class ConsoleModule implements OnModuleDestroy {
  constructor(@Inject(CaseEventsHub) private readonly events: CaseEventsHub) {}

  /** Before the HTTP server closes: open live-update streams would otherwise keep it open. */
  onModuleDestroy(): void {
    this.events.closeAll();
  }
}
