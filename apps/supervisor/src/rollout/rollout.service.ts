import { Counter, type Registry } from 'prom-client';
import { describeError, JsonLogger } from '@switchboard/observability';
import type { Actor } from '../auth/actor';
import { CommandConflictError } from '../console/console.service';
import type { CaseState, Decision } from '../case/case.types';
import { demotionKey, type Policy } from '../policy/policy.schema';
import { countsTowardDemotion, demotionVerdict } from './demotion';
import type { DemotionRepository, DemotionRow } from './demotion.repository';

/**
 * Automatic demotion to assist (policy `demotion`): after a decision that records a failed verification or a reopen
 * of an autonomous case, counts the tenant + intent's failures in the window and, past a threshold, demotes it —
 * recorded in `supervisor.demotions` and the decision log, logged and counted. New cases of the pair then resolve to
 * assist (`modeSource: demoted`) until a human restores it. The machine stays pure: the demoted pairs reach it
 * through the policy it is given ({@link RolloutService.policy}), refreshed from Postgres at most every `refreshMs`.
 */
export class RolloutService {
  private readonly logger = new JsonLogger(RolloutService.name);
  private demoted: string[] = [];
  /** Bumped by every local demote / restore, so a refresh read before it cannot undo it. */
  private generation = 0;
  private withDemotions?: { base: Policy; policy: Policy };
  private refreshedAt = -Infinity;
  private refreshing?: Promise<void>;
  private readonly demotions?: Counter;

  constructor(
    private readonly repo: DemotionRepository,
    private readonly thresholds: Policy['demotion'],
    private readonly options: { refreshMs?: number; clock?: () => Date; registry?: Registry } = {},
  ) {
    if (options.registry) {
      this.demotions = new Counter({ name: 'switchboard_supervisor_demotions_total', help: 'Automatic demotions of a tenant + intent to assist (this process)', labelNames: ['intent'], registers: [options.registry] });
    }
  }

  /** The policy to decide with: `base` plus the demoted pairs (same object while they do not change). */
  policy(base: Policy): Policy {
    if (this.clock().getTime() - this.refreshedAt > (this.options.refreshMs ?? 2_000) && !this.refreshing) {
      this.refreshing = this.refresh().catch((error: unknown) => this.logger.warn('demotions refresh failed; keeping the last known set', { error: describeError(error) }));
    }
    if (this.demoted.length === 0) return base;
    if (this.withDemotions?.base !== base) this.withDemotions = { base, policy: { ...base, demoted: this.demoted } };
    return this.withDemotions.policy;
  }

  async refresh(): Promise<void> {
    const generation = this.generation;
    try {
      const active = await this.repo.active();
      if (generation === this.generation) this.setDemoted(active.map((d) => demotionKey(d.tenantId, d.intent)), false);
      this.refreshedAt = this.clock().getTime();
    } finally {
      this.refreshing = undefined;
    }
  }

  /** Called after each written decision; checks the pair in the background when the decision counts toward a demotion. */
  afterDecision(decision: Pick<Decision, 'state' | 'trace'>): void {
    if (!this.thresholds || !countsTowardDemotion(decision)) return;
    void this.check(decision.state).catch((error: unknown) => this.logger.error('demotion check failed', { error: describeError(error) }));
  }

  /** Counts the window and demotes the case's tenant + intent if a threshold is passed; the demotion, if any. */
  async check(s: Pick<CaseState, 'caseId' | 'tenantId' | 'intent' | 'updatedAt'>): Promise<DemotionRow | undefined> {
    const t = this.thresholds;
    if (!t || !s.intent) return undefined;
    if (this.demoted.includes(demotionKey(s.tenantId, s.intent))) return undefined;
    const counts = await this.repo.counts(s.tenantId, s.intent, new Date(this.clock().getTime() - t.windowMinutes * 60_000));
    const verdict = demotionVerdict(counts, t);
    if (!verdict.demote) return undefined;
    const row = await this.repo.demote({ tenantId: s.tenantId, intent: s.intent, reason: verdict.reason, counts, caseId: s.caseId, messageId: `demote:${s.caseId}:${s.updatedAt}` });
    if (!row) return undefined;
    this.setDemoted([...this.demoted, demotionKey(s.tenantId, s.intent)]);
    this.demotions?.inc({ intent: s.intent });
    this.logger.warn('tenant + intent demoted to assist: new cases run in assist until a supervisor restores autonomy', { tenantId: s.tenantId, intent: s.intent, reason: verdict.reason, counts });
    return row;
  }

  /** A human lifts a demotion (recorded in the decision log); new cases of the pair resolve by the policy file again. */
  async restore(tenantId: string, intent: string, actor: Actor, note: string): Promise<DemotionRow> {
    const row = await this.repo.restore({ tenantId, intent, actorId: actor.userId, actorRole: actor.role, via: actor.via, note, messageId: `restore:${tenantId}|${intent}:${this.clock().toISOString()}` });
    if (!row) throw new CommandConflictError(`tenant ${tenantId} intent ${intent} is not demoted; nothing to restore`);
    this.setDemoted(this.demoted.filter((k) => k !== demotionKey(tenantId, intent)));
    this.logger.info('autonomy restored by a supervisor', { tenantId, intent, by: actor.userId });
    return row;
  }

  list(): Promise<DemotionRow[]> {
    return this.repo.list();
  }

  private setDemoted(keys: string[], local = true): void {
    if (local) this.generation++;
    this.demoted = [...new Set(keys)].sort();
    this.withDemotions = undefined;
  }

  private clock(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }
}
