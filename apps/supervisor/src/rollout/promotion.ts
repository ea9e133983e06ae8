import type { RolloutMode } from '@switchboard/contracts';
import type { Policy } from '../policy/policy.schema';

export type PromotionThresholds = Policy['promotion'];

/** One procedure's simulations, as run for the evidence. */
export interface ProcedureSimulations {
  procedure: string;
  tests: number;
  passed: number;
  failures: string[];
}

/** What the window says about a tenant + intent (rollout/promotion.repository.ts), plus its procedures' simulations. */
export interface PromotionEvidence {
  tenantId: string;
  intent: string;
  /** The mode new cases of the pair get now, and which rule chose it. */
  mode: RolloutMode;
  modeSource: string;
  windowDays: number;
  /** Cases of the pair in the window, by the mode they ran in. */
  cases: Record<RolloutMode, number>;
  /** Human ratings (thumbs) of notes, drafts and outcomes of the pair's cases in the mode below the target, by case. */
  ratings: { assist: RatingCounts; autonomous: RatingCounts };
  verificationFailures: number;
  /** What humans then did with the agents' proposals in the window (see {@link AgreementCounts}). */
  agreement: AgreementCounts;
  simulations: ProcedureSimulations[];
  /** The most recent case of the pair (the decision log row of a promotion points at it). */
  latestCaseId: string | null;
}

/** Rated cases (a case with several ratings counts once, by its majority; a tie counts as down) and their thumbs. */
export interface RatingCounts {
  ratedCases: number;
  approvedCases: number;
}

/**
 * Agreement of the agents' proposals with what humans then did, as far as Switchboard sees it: replies a human sent from
 * the console on the pair's shadow cases that had a drafted reply (unedited = agreed), and human decisions on the pair's
 * held writes (approved = agreed). What a human did in the helpdesk or the backend directly is not observed.
 */
export interface AgreementCounts {
  repliesSent: number;
  repliesUnedited: number;
  approvalsDecided: number;
  approvalsApproved: number;
}

export type PromotionVerdict = { ready: true } | { ready: false; missing: string[] };

/**
 * Whether the evidence allows promoting the pair to `to`. Pure: the same evidence and thresholds always give the same
 * verdict. To assist: enough rated shadow cases, approved by the share asked. To autonomous: the same of rated assist
 * cases (so autonomy is never reached straight from shadow), no more verification failures than allowed, and every
 * procedure of the intent simulated green (an intent without procedures cannot be promoted to autonomous by command).
 * With `minAgreement` set, either step also needs humans' replies and approval decisions to agree with the proposals by
 * that share (and at least one of them to compare with).
 *
 * @example
 * promotionVerdict(evidence, 'assist', { windowDays: 30, minRatedCases: 20, minApproval: 0.9, maxVerificationFailures: 0 });
 */
export function promotionVerdict(e: PromotionEvidence, to: Exclude<RolloutMode, 'shadow'>, t: PromotionThresholds): PromotionVerdict {
  const missing: string[] = [];
  const below = to === 'assist' ? 'shadow' : 'assist';
  const r = e.ratings[to];
  if (r.ratedCases < t.minRatedCases) missing.push(`${r.ratedCases} rated ${below} cases in ${t.windowDays} days (needs ${t.minRatedCases})`);
  const approval = r.ratedCases === 0 ? 0 : r.approvedCases / r.ratedCases;
  if (r.ratedCases > 0 && approval < t.minApproval) {
    missing.push(`${r.approvedCases} of ${r.ratedCases} rated cases approved (${pct(approval)}; needs ${pct(t.minApproval)})`);
  }
  if (t.minAgreement !== undefined) {
    const a = e.agreement;
    const compared = a.repliesSent + a.approvalsDecided;
    const agreed = a.repliesUnedited + a.approvalsApproved;
    if (compared === 0) missing.push(`no human reply or approval decision in ${t.windowDays} days to compare the proposals with (needs ${pct(t.minAgreement)} agreement)`);
    else if (agreed / compared < t.minAgreement) {
      missing.push(`${agreed} of ${compared} human replies and approval decisions agree with the proposals (${pct(agreed / compared)}; needs ${pct(t.minAgreement)})`);
    }
  }
  if (to === 'autonomous') {
    if (e.verificationFailures > t.maxVerificationFailures) {
      missing.push(`${e.verificationFailures} verification failures in ${t.windowDays} days (allows ${t.maxVerificationFailures})`);
    }
    if (e.simulations.length === 0) missing.push(`intent ${e.intent} has no procedure to simulate`);
    for (const s of e.simulations) {
      if (s.tests === 0) missing.push(`procedure ${s.procedure} has no simulation`);
      else if (s.passed < s.tests) missing.push(`procedure ${s.procedure}: ${s.tests - s.passed} of ${s.tests} simulations fail (${s.failures.join('; ')})`);
    }
  }
  return missing.length === 0 ? { ready: true } : { ready: false, missing };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} %`;
}
