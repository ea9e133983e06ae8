import type { Actor } from '../auth/actor';
import { PolicySchema } from '../policy/policy.schema';
import type { DemotionCounts } from './demotion';
import type { DemotionRepository, DemotionRow } from './demotion.repository';
import { CommandConflictError } from '../commands/command-conflict';
import { ProcedureSet } from '@switchboard/procedures';
import { RolloutService } from './rollout.service';

/** Named double of the demotions table: counts are set by the test; demote/restore behave like the unique index. */
class InMemoryDemotions {
  rows: DemotionRow[] = [];
  counted: DemotionCounts = { verificationFailures: 0, reopens: 0 };
  /** When set, `active()` waits for it: a refresh that read before a local demotion. */
  gate?: Promise<void>;
  async active(): Promise<DemotionRow[]> {
    const snapshot = this.rows.filter((r) => !r.restoredAt);
    await this.gate;
    return snapshot;
  }
  async list(): Promise<DemotionRow[]> { return this.rows; }
  async counts(): Promise<DemotionCounts> { return this.counted; }
  async demote(d: { tenantId: string; intent: string; reason: string; counts: DemotionCounts; caseId: string }): Promise<DemotionRow | undefined> {
    if (this.rows.some((r) => r.tenantId === d.tenantId && r.intent === d.intent && !r.restoredAt)) return undefined;
    const row = { id: String(this.rows.length + 1), ...d, demotedAt: 'now', restoredAt: null, restoredBy: null };
    this.rows.push(row);
    return row;
  }
  async restore(r: { tenantId: string; intent: string; actorId: string }): Promise<DemotionRow | undefined> {
    const row = this.rows.find((x) => x.tenantId === r.tenantId && x.intent === r.intent && !x.restoredAt);
    if (row) Object.assign(row, { restoredAt: 'later', restoredBy: r.actorId });
    return row;
  }
}

const base = PolicySchema.parse({ version: 1, defaultMode: 'autonomous' });
const ana: Actor = { userId: 'ana', role: 'supervisor', via: 'session' };
const state = { caseId: 'case_1', tenantId: 'acme', intent: 'refund', updatedAt: '2026-11-21T10:00:00.000Z' };

describe('RolloutService', () => {
  it('demotes past the threshold once, hands the machine a policy with the pair, and lifts it only by restore', async () => {
    const repo = new InMemoryDemotions();
    const sut = new RolloutService(repo as unknown as DemotionRepository, { windowMinutes: 60, maxVerificationFailures: 2 });
    repo.counted = { verificationFailures: 1, reopens: 0 };
    expect(await sut.check(state)).toBeUndefined();
    expect(sut.policy(base)).toBe(base);
    repo.counted = { verificationFailures: 2, reopens: 0 };
    expect(await sut.check(state)).toMatchObject({ tenantId: 'acme', intent: 'refund', reason: '2 verification failures in 60 min (threshold 2)' });
    expect(await sut.check(state)).toBeUndefined();
    expect(repo.rows).toHaveLength(1);
    const demoted = sut.policy(base);
    expect(demoted.demoted).toEqual(['acme|refund']);
    expect(sut.policy(base)).toBe(demoted);
    await expect(sut.restore('acme', 'dashboard_cache', ana, '')).rejects.toBeInstanceOf(CommandConflictError);
    await sut.restore('acme', 'refund', ana, 'fixed');
    expect(sut.policy(base)).toBe(base);
  });

  it('a refresh that read before a local demotion does not undo it', async () => {
    const repo = new InMemoryDemotions();
    let open!: () => void;
    repo.gate = new Promise((r) => (open = r));
    const sut = new RolloutService(repo as unknown as DemotionRepository, { windowMinutes: 60, maxReopens: 1 });
    const refreshing = sut.refresh();
    repo.counted = { verificationFailures: 0, reopens: 1 };
    await sut.check(state);
    open();
    await refreshing;
    expect(sut.policy(base).demoted).toEqual(['acme|refund']);
  });

  it('does nothing without thresholds in the policy', async () => {
    const repo = new InMemoryDemotions();
    repo.counted = { verificationFailures: 99, reopens: 99 };
    const sut = new RolloutService(repo as unknown as DemotionRepository, undefined);
    expect(await sut.check(state)).toBeUndefined();
    sut.afterDecision({ state: { ...state, policy: { mode: 'autonomous' } } as never, trace: [{ kind: 'breaker', data: { breaker: 'unverified' } }] });
    expect(repo.rows).toEqual([]);
  });
});

describe('RolloutService promotions', () => {
  const shadow = PolicySchema.parse({ version: 1, defaultMode: 'shadow' });
  const promotionRow = (intent: string, mode: 'assist' | 'autonomous') => ({
    id: '1', tenantId: 'acme', intent, mode, evidence: {} as never, caseId: 'case_1', promotedBy: 'ana', promotedAt: 'now', revokedAt: null, revokedBy: null,
  });

  it('hands the machine the promoted modes, but an autonomous promotion whose procedures no longer simulate runs in assist', async () => {
    const promotions = { active: async () => [promotionRow('refund', 'autonomous'), promotionRow('how_to', 'assist')] };
    const sut = new RolloutService(new InMemoryDemotions() as unknown as DemotionRepository, undefined, {
      // No procedures loaded in this process: nothing simulates, so the autonomous promotion cannot stand.
      promotions: { repo: promotions as never, policy: shadow, procedures: ProcedureSet.empty() },
    });
    await sut.refresh();
    expect(sut.policy(shadow).promoted).toEqual({ 'acme|refund': 'assist', 'acme|how_to': 'assist' });
  });
});
