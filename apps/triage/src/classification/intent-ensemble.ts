import type { TicketEntities } from './entities';
import type { IntentScores } from './example-index';

/** One independent signal's vote and how far it is trusted. */
export interface SignalVote {
  source: string;
  /** Probability that this signal's leading intent is the right one (measured: held-out accuracy). */
  reliability: number;
  /** Share per intent, summing to 1; `{}` when the signal abstains. */
  scores: IntentScores;
  /**
   * The reliability is that of the leading intent alone (how the examples vote is calibrated), so the vote counts
   * for its leader only; the other intents it names still count as candidates for entity evidence.
   */
  leaderOnly?: boolean;
}

/** What the trace records per signal: its leading intent and the share of its vote that intent got. */
export interface SignalSummary {
  source: string;
  intent: string;
  score: number;
}

export interface EnsembleResult {
  intent: string;
  /** Posterior probability of `intent` given every signal's vote and reliability. */
  confidence: number;
  /** Lead of `intent` over the runner-up, in the same units. */
  margin: number;
  signals: SignalSummary[];
}

/** Evidence from extracted entities: `for` supports an intent, `against` says the ticket lacks what it needs. */
export type EntityEvidence = 'for' | 'against';

/**
 * Per intent, what the extracted entities say: a refund names money or an invoice, a trial extension a duration,
 * an unlock an account's address. Intents without a rule get no entity evidence either way.
 */
export const ENTITY_RULES: Record<string, (e: TicketEntities) => EntityEvidence | undefined> = {
  refund: (e) => (e.amounts.length > 0 || e.ids.length > 0 ? 'for' : 'against'),
  trial_extension: (e) => (e.days.length > 0 ? 'for' : undefined),
  account_lockout: (e) => (e.emails.length > 0 ? 'for' : undefined),
};

/** Likelihood ratio an entity in support gives a leading candidate (an amount makes a refund 3× likelier). */
export const ENTITY_SUPPORT_RATIO = 3;
/** Ceiling of the confidence of an intent whose required entities are missing: below the autonomy threshold. */
export const MISSING_ENTITY_CAP = 0.9;

/**
 * Combines independent intent signals into one intent and a confidence that means agreement of evidence, weighed by
 * how reliable each signal is: the posterior over intents when each signal's vote is an observation that is right
 * with its reliability `r` and otherwise spread over the other intents (soft votes mix the two), starting from a
 * uniform prior. Several reliable signals agreeing give a confidence near 1; a reliable dissent pulls it well down; an
 * unreliable signal (a 270M base model) moves it little and cannot overturn a more reliable one. Nothing depends on
 * the ticket's language.
 *
 * Entities only speak about the two leading candidates (an amount alone does not make a dashboard ticket a refund):
 * support multiplies a candidate's odds by {@link ENTITY_SUPPORT_RATIO}; a leading intent whose required entities
 * are missing (a refund with no amount and no invoice id) is capped at {@link MISSING_ENTITY_CAP}, so it is never
 * acted on autonomously.
 *
 * @example
 * combineIntentSignals(['refund', 'other'], [
 *   { source: 'examples', reliability: 0.85, scores: { refund: 1, other: 0 } },
 *   { source: 'model', reliability: 0.3, scores: { refund: 0, other: 1 } },
 * ], { amounts: [40], ids: [], emails: [], days: [] }); // { intent: 'refund', confidence: 0.962, … }
 */
export function combineIntentSignals(intents: readonly string[], votes: readonly SignalVote[], entities: TicketEntities): EnsembleResult {
  const k = intents.length;
  const logOdds: Record<string, number> = Object.fromEntries(intents.map((i) => [i, 0]));
  const signals: SignalSummary[] = [];
  const proposed = new Set<string>();
  for (const vote of votes) {
    const entries = Object.entries(vote.scores).filter(([i]) => i in logOdds);
    if (entries.length === 0) continue;
    for (const [i, p] of entries) if (p > 0) proposed.add(i);
    const r = Math.min(Math.max(vote.reliability, 1e-3), 1 - 1e-3);
    const [intent, score] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    for (const i of intents) {
      const p = vote.leaderOnly ? (i === intent ? 1 : 0) : (vote.scores[i] ?? 0);
      logOdds[i]! += Math.log(p * r + (1 - p) * (1 - r) / Math.max(k - 1, 1));
    }
    signals.push({ source: vote.source, intent, score: round(score) });
  }
  if (signals.length === 0) return { intent: 'other', confidence: 0, margin: 0, signals };

  const ranked = () => intents.map((i) => [i, logOdds[i]!] as const).sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked();
  const evidence = [first![0], second![0]].filter((i) => proposed.has(i)).map((i) => [i, ENTITY_RULES[i]?.(entities)] as const);
  const supported = evidence.filter(([, e]) => e === 'for').map(([i]) => i);
  for (const i of supported) logOdds[i]! += Math.log(ENTITY_SUPPORT_RATIO);
  if (supported.length > 0) signals.push({ source: 'entities', intent: supported[0]!, score: round(1 / supported.length) });

  const [top, runnerUp] = ranked();
  const max = top![1];
  const total = intents.reduce((sum, i) => sum + Math.exp(logOdds[i]! - max), 0);
  const posterior = (x: number) => Math.exp(x - max) / total;
  let confidence = posterior(top![1]);
  if (ENTITY_RULES[top![0]]?.(entities) === 'against') {
    confidence = Math.min(confidence, MISSING_ENTITY_CAP);
    signals.push({ source: 'entities', intent: top![0], score: 0 });
  }
  return { intent: top![0], confidence: floor(confidence), margin: round(posterior(top![1]) - posterior(runnerUp?.[1] ?? -Infinity)), signals };
}

/**
 * Caps a confidence when the ticket carries signs of prompt injection, whatever the signals agree on: suspected ≤ 0.9,
 * high ≤ 0.5 — both below the autonomy threshold, so such a ticket never runs autonomously.
 *
 * @example
 * capForInjection(0.99, 'high'); // 0.5
 */
export function capForInjection(confidence: number, risk: 'none' | 'suspected' | 'high'): number {
  if (risk === 'high') return Math.min(confidence, 0.5);
  if (risk === 'suspected') return Math.min(confidence, 0.9);
  return confidence;
}

/**
 * A one-hot vote for a single intent (e.g. the model's answer).
 *
 * @example
 * oneHot('refund'); // { refund: 1 }
 */
export function oneHot(intent: string): IntentScores {
  return { [intent]: 1 };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Rounded down, so 0.9496 never reads as 0.95 at the autonomy threshold. */
function floor(x: number): number {
  return Math.floor(x * 1000) / 1000;
}
