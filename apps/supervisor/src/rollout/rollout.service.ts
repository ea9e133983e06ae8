import { Counter, type Registry } from 'prom-client';
import type { RolloutMode } from '@switchboard/contracts';
import { describeError, JsonLogger, SwitchboardError } from '@switchboard/observability';
import { simulate, type ProcedureSet } from '@switchboard/procedures';
import { CommandConflictError } from '../commands/command-conflict';
import type { CaseState, Decision } from '../case/case.types';
import { demotionKey, moreAutonomous, resolvePolicy, type Policy } from '../policy/policy.schema';
import { countsTowardDemotion, demotionVerdict } from './demotion';
import type { DemotionRepository, DemotionRow } from './demotion.repository';
import { promotionVerdict, type ProcedureSimulations, type PromotionEvidence } from './promotion';
import type { PromotionRepository, PromotionRow } from './promotion.repository';

/** A promotion whose evidence does not pass the policy's thresholds; `missing` says what is lacking. */
export class PromotionEvidenceError extends SwitchboardError {
  constructor(readonly missing: string[]) {
    super('SUPERVISOR.PROMOTION_EVIDENCE_MISSING', 'user', `the evidence does not allow this promotion: ${missing.join('; ')}`);
  }
}

/** What promotions by command need: their store, the policy file (thresholds, modes), the procedures to simulate. */
export interface PromotionOptions {
  repo: PromotionRepository;
  policy: Policy;
  procedures: ProcedureSet;
}

/**
 * Automatic demotion to assist (policy `demotion`): after a decision that records a failed verification or a reopen
 * of an autonomous case, counts the tenant + intent's failures in the window and, past a threshold, demotes it —
 * recorded in `supervisor.demotions` and the decision log, logged and counted. New cases of the pair then resolve to
 * assist (`modeSource: demoted`) until a human restores it. The machine stays pure: the demoted pairs reach it
 * through the policy it is given ({@link RolloutService.policy}), refreshed from Postgres at most every `refreshMs`.
 */
/** Who applies a restore, promotion or revocation (the console's authenticated actor fits), recorded with it. */
export interface RolloutActor {
  userId: string;
  role: string;
  via: string;
}

export class RolloutService {
  private readonly logger = new JsonLogger(RolloutService.name);
  private demoted: string[] = [];
  private promoted: Record<string, RolloutMode> = {};
  /** Whether each autonomous promotion's procedures still simulate green with the procedures of this process. */
  private readonly simulated = new Map<string, boolean>();
  /** Bumped by every local demote / restore, so a refresh read before it cannot undo it. */
  private generation = 0;
  private withRuntime?: { base: Policy; policy: Policy };
  private refreshedAt = -Infinity;
  private refreshing?: Promise<void>;
  private readonly demotions?: Counter;

  constructor(
    private readonly repo: DemotionRepository,
    private readonly thresholds: Policy['demotion'],
    private readonly options: { refreshMs?: number; clock?: () => Date; registry?: Registry; promotions?: PromotionOptions } = {},
  ) {
    if (options.registry) {
      this.demotions = new Counter({ name: 'switchboard_supervisor_demotions_total', help: 'Automatic demotions of a tenant + intent to assist (this process)', labelNames: ['intent'], registers: [options.registry] });
    }
  }

  /** The policy to decide with: `base` plus the demoted and promoted pairs (same object while they do not change). */
  policy(base: Policy): Policy {
    if (this.clock().getTime() - this.refreshedAt > (this.options.refreshMs ?? 2_000) && !this.refreshing) {
      this.refreshing = this.refresh().catch((error: unknown) => this.logger.warn('rollout refresh failed; keeping the last known demotions and promotions', { error: describeError(error) }));
    }
    if (this.demoted.length === 0 && Object.keys(this.promoted).length === 0) return base;
    if (this.withRuntime?.base !== base) this.withRuntime = { base, policy: { ...base, demoted: this.demoted, promoted: this.promoted } };
    return this.withRuntime.policy;
  }

  async refresh(): Promise<void> {
    const generation = this.generation;
    try {
      const active = await this.repo.active();
      const promotions = this.options.promotions ? await this.options.promotions.repo.active() : [];
      const promoted: Record<string, RolloutMode> = {};
      for (const p of promotions) promoted[demotionKey(p.tenantId, p.intent)] = p.mode === 'autonomous' && !(await this.stillSimulates(p)) ? 'assist' : p.mode;
      if (generation === this.generation) {
        this.setDemoted(active.map((d) => demotionKey(d.tenantId, d.intent)), false);
        this.setPromoted(promoted, false);
      }
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
  async restore(tenantId: string, intent: string, actor: RolloutActor, note: string): Promise<DemotionRow> {
    const row = await this.repo.restore({ tenantId, intent, actorId: actor.userId, actorRole: actor.role, via: actor.via, note, messageId: `restore:${tenantId}|${intent}:${this.clock().toISOString()}` });
    if (!row) throw new CommandConflictError(`tenant ${tenantId} intent ${intent} is not demoted; nothing to restore`);
    this.setDemoted(this.demoted.filter((k) => k !== demotionKey(tenantId, intent)));
    this.logger.info('autonomy restored by a supervisor', { tenantId, intent, by: actor.userId });
    return row;
  }

  list(): Promise<DemotionRow[]> {
    return this.repo.list();
  }

  /**
   * The evidence for promoting a tenant + intent (docs/supervisor.md "Promotion with evidence"): its current mode, its
   * cases, human ratings and verification failures over the policy's window, and its procedures' simulations, with the
   * verdict for each higher mode.
   */
  async evidence(tenantId: string, intent: string): Promise<PromotionEvidence & { verdicts: Record<'assist' | 'autonomous', ReturnType<typeof promotionVerdict>> }> {
    const p = this.promotionOptions();
    if (!p.policy.intents.includes(intent)) throw new PromotionEvidenceError([`intent ${intent} is not in the policy's intents`]);
    const t = p.policy.promotion;
    const resolved = resolvePolicy(this.policy(p.policy), tenantId, intent);
    const counts = await p.repo.window(tenantId, intent, new Date(this.clock().getTime() - t.windowDays * 86_400_000));
    const { simulations } = await this.evidenceOf(tenantId, intent);
    const evidence: PromotionEvidence = { tenantId, intent, mode: resolved.mode, modeSource: resolved.modeSource, windowDays: t.windowDays, ...counts, simulations };
    return { ...evidence, verdicts: { assist: promotionVerdict(evidence, 'assist', t), autonomous: promotionVerdict(evidence, 'autonomous', t) } };
  }

  /**
   * A supervisor raises the pair's mode when its evidence allows it (recorded with the evidence and in the decision log);
   * PromotionEvidenceError listing what is missing otherwise, CommandConflictError when it would not raise the mode or
   * the pair is demoted (restore first).
   */
  async promote(tenantId: string, intent: string, to: 'assist' | 'autonomous', actor: RolloutActor, note: string): Promise<PromotionRow> {
    const p = this.promotionOptions();
    const e = await this.evidence(tenantId, intent);
    if (e.modeSource === 'demoted') throw new CommandConflictError(`tenant ${tenantId} intent ${intent} is demoted to assist; restore it before promoting`);
    if (!moreAutonomous(to, e.mode)) throw new CommandConflictError(`tenant ${tenantId} intent ${intent} already runs in ${e.mode} (${e.modeSource}); a promotion only raises the mode`);
    const verdict = e.verdicts[to];
    if (!verdict.ready) throw new PromotionEvidenceError(verdict.missing);
    const { verdicts: _verdicts, ...evidence } = e;
    const current = (await p.repo.active()).find((r) => r.tenantId === tenantId && r.intent === intent);
    const row = await p.repo.promote({
      tenantId, intent, mode: to, evidence, caseId: e.latestCaseId!, actorId: actor.userId, actorRole: actor.role, via: actor.via, note,
      messageId: `promote:${tenantId}|${intent}:${this.clock().toISOString()}`, expectedActiveId: current?.id ?? null,
    });
    if (!row) throw new CommandConflictError(`tenant ${tenantId} intent ${intent} was promoted by someone else meanwhile; look at the evidence again`);
    this.setPromoted({ ...this.promoted, [demotionKey(tenantId, intent)]: to });
    this.logger.info('tenant + intent promoted by a supervisor with evidence', { tenantId, intent, to, by: actor.userId });
    return row;
  }

  /** A human withdraws the pair's promotion; new cases resolve by the policy file again. */
  async revokePromotion(tenantId: string, intent: string, actor: RolloutActor, note: string): Promise<PromotionRow> {
    const row = await this.promotionOptions().repo.revoke({ tenantId, intent, actorId: actor.userId, actorRole: actor.role, via: actor.via, note, messageId: `revoke:${tenantId}|${intent}:${this.clock().toISOString()}` });
    if (!row) throw new CommandConflictError(`tenant ${tenantId} intent ${intent} has no active promotion`);
    const { [demotionKey(tenantId, intent)]: _gone, ...rest } = this.promoted;
    this.setPromoted(rest);
    this.logger.info('promotion revoked by a supervisor', { tenantId, intent, by: actor.userId });
    return row;
  }

  listPromotions(): Promise<PromotionRow[]> {
    return this.promotionOptions().repo.list();
  }

  /**
   * A promotion to autonomous was simulated when it was granted; the procedures loaded now may differ (a new version).
   * Checked once per process and pair: when they no longer simulate green, the pair runs in assist and it is logged.
   */
  /** Every procedure of the pair simulated with the procedures of this process. */
  private async evidenceOf(tenantId: string, intent: string): Promise<{ simulations: ProcedureSimulations[] }> {
    const p = this.promotionOptions();
    const simulations: ProcedureSimulations[] = [];
    for (const proc of p.procedures.forCase(intent, tenantId)) {
      const runs = [];
      for (const test of proc.tests) runs.push(await simulate(proc, test, p.procedures.successChecks(proc.intent, proc)));
      simulations.push({
        procedure: `${proc.id}@${proc.version}`, tests: runs.length, passed: runs.filter((r) => r.passed).length,
        failures: runs.filter((r) => !r.passed).map((r) => `${r.test}: ${r.problems.join(', ')}`),
      });
    }
    return { simulations };
  }

  private async stillSimulates(p: PromotionRow): Promise<boolean> {
    const key = demotionKey(p.tenantId, p.intent);
    let ok = this.simulated.get(key);
    if (ok === undefined) {
      const e = await this.evidenceOf(p.tenantId, p.intent);
      const failing = e.simulations.length === 0 || e.simulations.some((x) => x.passed < x.tests || x.tests === 0);
      ok = !failing;
      this.simulated.set(key, ok);
      if (!ok) this.logger.error('promoted to autonomous, but its procedures no longer simulate green: the pair runs in assist until they do', { tenantId: p.tenantId, intent: p.intent, simulations: e.simulations });
    }
    return ok;
  }

  private promotionOptions(): PromotionOptions {
    if (!this.options.promotions) throw new Error('RolloutService was built without promotions');
    return this.options.promotions;
  }

  private setDemoted(keys: string[], local = true): void {
    if (local) this.generation++;
    this.demoted = [...new Set(keys)].sort();
    this.withRuntime = undefined;
  }

  private setPromoted(promoted: Record<string, RolloutMode>, local = true): void {
    if (local) this.generation++;
    this.promoted = promoted;
    this.withRuntime = undefined;
  }

  private clock(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }
}
