import type { Decision } from '../case/case.types';
import type { Policy } from '../policy/policy.schema';

export type DemotionThresholds = NonNullable<Policy['demotion']>;

/** What happened to a tenant + intent within the window (since its last restore, if later). */
export interface DemotionCounts {
  verificationFailures: number;
  reopens: number;
  /** Customers' bad satisfaction ratings of the pair's autonomous cases (helpdesk signals; absent in older rows). */
  negativeRatings?: number;
}

export type DemotionVerdict = { demote: false } | { demote: true; reason: string };

/**
 * Whether the counts pass a configured threshold. Pure: the same counts and thresholds always give the same verdict.
 *
 * @example
 * demotionVerdict({ verificationFailures: 3, reopens: 0 }, { windowMinutes: 60, maxVerificationFailures: 3 });
 * // { demote: true, reason: '3 verification failures in 60 min (threshold 3)' }
 */
export function demotionVerdict(counts: DemotionCounts, t: DemotionThresholds): DemotionVerdict {
  const reasons: string[] = [];
  if (t.maxVerificationFailures !== undefined && counts.verificationFailures >= t.maxVerificationFailures) {
    reasons.push(`${counts.verificationFailures} verification failures in ${t.windowMinutes} min (threshold ${t.maxVerificationFailures})`);
  }
  if (t.maxReopens !== undefined && counts.reopens >= t.maxReopens) {
    reasons.push(`${counts.reopens} reopened resolutions in ${t.windowMinutes} min (threshold ${t.maxReopens})`);
  }
  const negative = counts.negativeRatings ?? 0;
  if (t.maxNegativeRatings !== undefined && negative >= t.maxNegativeRatings) {
    reasons.push(`${negative} bad customer ratings in ${t.windowMinutes} min (threshold ${t.maxNegativeRatings})`);
  }
  return reasons.length > 0 ? { demote: true, reason: reasons.join('; ') } : { demote: false };
}

/**
 * Whether a decision recorded something a demotion counts (a failed verification, a reopen after resolution, a bad
 * customer rating) on an autonomous case with an intent: only then is the tenant + intent checked.
 *
 * @example
 * if (countsTowardDemotion(decision)) await rollout.check(decision.state);
 */
export function countsTowardDemotion(decision: Pick<Decision, 'state' | 'trace'>): boolean {
  const s = decision.state;
  if (!s.intent || s.policy.mode !== 'autonomous') return false;
  return decision.trace.some((t) => (t.kind === 'breaker' && t.data['breaker'] === 'unverified')
    || (t.kind === 'event' && t.data['event'] === 'helpdesk_reopened' && t.data['afterResolved'] === true)
    || (t.kind === 'event' && t.data['event'] === 'satisfaction_rated' && t.data['score'] === 'bad'));
}
