import { Counter, Gauge, Registry } from 'prom-client';
import type { OutcomeGroupBy, OutcomesRepository } from '../outcomes/outcomes.repository';
import { SLA_PRIORITIES, SLA_STOPPED, slaRows, URGENCY, type SlaClock } from '../sla/sla.policy';
import type { ConsoleRepository, KpiGroupBy, KpiRow } from './console.repository';

const KPI_GAUGES: Array<[keyof KpiRow, string, string]> = [
  ['cases', 'cases', 'Cases created in the window'],
  ['autoResolutionRate', 'auto_resolution_ratio', 'Share of cases resolved and verified with no human command'],
  ['escalationRate', 'escalation_ratio', 'Share of cases that were escalated at least once'],
  ['mttrSeconds', 'mttr_seconds', 'Mean time from ticket to verified resolution'],
  ['approvalTurnaroundSeconds', 'approval_turnaround_seconds', 'Mean time a held action waited for a decision'],
  ['tokensPerCase', 'tokens_per_case', 'Mean LLM tokens per case'],
  ['costUsdPerCase', 'cost_usd_per_case', 'Mean LLM cost per case in USD'],
  ['verifiedResolutionRate', 'verified_resolution_ratio', 'Share of cases resolved, verified and not reopened on the helpdesk'],
  ['reopened', 'reopened', 'Resolved cases whose ticket was reopened'],
  ['undelivered', 'undelivered', 'Cases with a reply, note or escalation not delivered to the helpdesk'],
];

/**
 * The console's KPIs as Prometheus metrics (aggregates only: labels are status, intent, region, escalation reason
 * and command; never a tenant, case or user). KPI gauges cover the last SUPERVISOR_METRICS_WINDOW_HOURS.
 */
export class SupervisorMetrics {
  private readonly decisions: Counter<'command'>;
  private readonly statuses: Gauge<'status'>;
  private readonly reasons: Gauge<'window' | 'reason'>;
  private readonly kpi: Map<keyof KpiRow, Gauge<'window' | 'group_by' | 'group'>>;
  private readonly tiers: Gauge<'window' | 'tier'>;
  private readonly tierCost: Gauge<'window' | 'tier'>;
  private readonly costPerVerified: Gauge<'window' | 'group_by' | 'group'>;
  private readonly slaOpen: Gauge<'priority'>;
  private readonly slaBreached: Gauge<'priority'>;
  private rendering: Promise<string> = Promise.resolve('');
  private renderedAt = -Infinity;

  constructor(
    private readonly repo: ConsoleRepository,
    private readonly windowHours: number,
    readonly streams: () => number,
    private readonly cacheMs = 0,
    private readonly clock: () => number = Date.now,
    private readonly outcomes?: OutcomesRepository,
    private readonly sla?: SlaClock,
    /** The process's supervisor registry: the case engine's metrics (admission, outbox, retention, …) render with these. */
    readonly registry: Registry = new Registry(),
  ) {
    const registers = [registry];
    this.decisions = new Counter({ name: 'switchboard_supervisor_decisions_total', help: 'Commands sent by supervisors and API clients', labelNames: ['command'], registers });
    this.statuses = new Gauge({ name: 'switchboard_supervisor_cases', help: 'Cases by current status', labelNames: ['status'], registers });
    this.reasons = new Gauge({ name: 'switchboard_supervisor_kpi_escalations', help: 'Escalated cases in the window by reason', labelNames: ['window', 'reason'], registers });
    this.kpi = new Map(KPI_GAUGES.map(([key, name, help]) => [key, new Gauge({ name: `switchboard_supervisor_kpi_${name}`, help, labelNames: ['window', 'group_by', 'group'], registers })]));
    this.tiers = new Gauge({ name: 'switchboard_supervisor_kpi_outcome_tier_cases', help: 'Cases created in the window by outcome tier (in_progress: no tier yet)', labelNames: ['window', 'tier'], registers });
    this.tierCost = new Gauge({ name: 'switchboard_supervisor_kpi_outcome_tier_cost_usd', help: 'LLM cost in USD of the cases of each outcome tier in the window', labelNames: ['window', 'tier'], registers });
    this.costPerVerified = new Gauge({ name: 'switchboard_supervisor_kpi_cost_per_verified_resolution_usd', help: 'LLM cost of all cases over their verified resolutions in the window', labelNames: ['window', 'group_by', 'group'], registers });
    this.slaOpen = new Gauge({ name: 'switchboard_supervisor_sla_open_cases', help: 'Open cases (not resolved or closed) by priority', labelNames: ['priority'], registers });
    this.slaBreached = new Gauge({ name: 'switchboard_supervisor_sla_breached_cases', help: 'Open cases past their SLA (SUPERVISOR_SLA: minutes from arrival per priority and tenant) by priority', labelNames: ['priority'], registers });
    new Gauge({ name: 'switchboard_supervisor_console_streams', help: 'Open live-update streams', registers, collect() { this.set(streams()); } });
  }

  countDecision(command: string): void {
    this.decisions.inc({ command });
  }

  /**
   * Scrapes are serialised: each one resets and refills the gauges. A render younger than the cache period (or still
   * running) is served again instead, so a scrape storm runs the KPI queries at most once per period.
   */
  render(): Promise<string> {
    if (this.clock() - this.renderedAt < this.cacheMs) return this.rendering;
    this.renderedAt = this.clock();
    this.rendering = this.rendering.catch(() => '').then(() => this.refresh());
    // A failed render is not cached: the next scrape tries again.
    this.rendering.catch(() => (this.renderedAt = -Infinity));
    return this.rendering;
  }

  private async refresh(): Promise<string> {
    const to = new Date();
    const from = new Date(to.getTime() - this.windowHours * 3_600_000);
    const window = `${this.windowHours}h`;
    const [statuses, reasons, ...groups] = await Promise.all([
      this.repo.statusCounts(), this.repo.escalationReasons(from, to),
      ...(['none', 'intent', 'region'] as KpiGroupBy[]).map(async (g) => ({ by: g, rows: await this.repo.kpis(from, to, g) })),
    ]);
    this.statuses.reset();
    for (const s of statuses) this.statuses.set({ status: s.status }, s.count);
    this.reasons.reset();
    for (const r of reasons) this.reasons.set({ window, reason: r.reason }, r.count);
    for (const gauge of this.kpi.values()) gauge.reset();
    for (const { by, rows } of groups) {
      for (const row of rows) {
        for (const [key, gauge] of this.kpi) {
          const value = row[key];
          if (typeof value === 'number') gauge.set({ window, group_by: by === 'none' ? 'all' : by, group: row.group }, value);
        }
      }
    }
    if (this.outcomes) await this.refreshOutcomes(this.outcomes, from, to, window);
    if (this.sla) await this.refreshSla(this.sla);
    return this.registry.metrics();
  }

  // Every priority is exported (0 when none is open), so an alert on breached > 0 sees the series from the start.
  private async refreshSla(sla: SlaClock): Promise<void> {
    const rows = await this.repo.slaCounts(slaRows(sla), SLA_STOPPED);
    for (const p of SLA_PRIORITIES) {
      const row = rows.find((r) => r.urgency === URGENCY[p]);
      this.slaOpen.set({ priority: p }, row?.open ?? 0);
      this.slaBreached.set({ priority: p }, row?.breached ?? 0);
    }
  }

  // Labels stay low-cardinality: tiers, and groups by intent or region only (never a tenant).
  private async refreshOutcomes(repo: OutcomesRepository, from: Date, to: Date, window: string): Promise<void> {
    const [tiers, ...groups] = await Promise.all([
      repo.tiers(from, to), ...(['none', 'intent', 'region'] as OutcomeGroupBy[]).map(async (g) => ({ by: g, rows: await repo.groups(from, to, g) })),
    ]);
    this.tiers.reset();
    this.tierCost.reset();
    for (const t of tiers) {
      this.tiers.set({ window, tier: t.tier }, t.cases);
      this.tierCost.set({ window, tier: t.tier }, t.costUsd);
    }
    this.costPerVerified.reset();
    for (const { by, rows } of groups) {
      for (const r of rows) if (r.verified > 0) this.costPerVerified.set({ window, group_by: by === 'none' ? 'all' : by, group: r.group }, r.costUsd / r.verified);
    }
  }
}
