import type { TicketEntities } from './entities';
import type { IntentScores } from './example-index';

/** One independent signal's vote and how much it counts. */
export interface SignalVote {
  source: string;
  /** Reliability of this signal (0 = ignore it). */
  weight: number;
  /** Share per intent, summing to 1; `{}` when the signal abstains. */
  scores: IntentScores;
}

/** What the trace records per signal: its leading intent and the share of its vote that intent got. */
export interface SignalSummary {
  source: string;
  intent: string;
  score: number;
}

export interface EnsembleResult {
  intent: string;
  /** Share of all the evidence weight cast that points at `intent`: 1 only when every signal agrees fully. */
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

/** Weight of the entity evidence next to the example signals (1 each). */
export const ENTITY_WEIGHT = 0.5;

/**
 * Combines independent intent signals into one intent and a confidence that means agreement: each signal casts its
 * weight as a distribution over intents; the intent is the one with the most weight and the confidence is the share of
 * all weight cast that went to it. So confidence reaches 1 only when every signal puts all of its vote on the same
 * intent, and any dissent — a neighbour of another intent, a model answering otherwise — pulls it down, in any language.
 *
 * Entity evidence only speaks about the two leading candidates (an amount alone does not make a dashboard ticket a
 * refund): it adds weight to a candidate it supports, and for a leading intent whose required entities are missing it
 * casts its weight elsewhere (a refund with no amount and no invoice id is not one to act on autonomously).
 *
 * @example
 * combineIntentSignals(['refund', 'other'], [
 *   { source: 'examples', weight: 1, scores: { refund: 1, other: 0 } },
 *   { source: 'model', weight: 0.5, scores: { refund: 0, other: 1 } },
 * ], { amounts: [40], ids: [], emails: [], days: [] }); // { intent: 'refund', confidence: 0.75, … }
 */
export function combineIntentSignals(intents: readonly string[], votes: readonly SignalVote[], entities: TicketEntities): EnsembleResult {
  const total: Record<string, number> = Object.fromEntries(intents.map((i) => [i, 0]));
  let cast = 0;
  const signals: SignalSummary[] = [];
  for (const vote of votes) {
    const entries = Object.entries(vote.scores).filter(([i]) => i in total);
    if (vote.weight <= 0 || entries.length === 0) continue;
    cast += vote.weight;
    for (const [i, share] of entries) total[i]! += vote.weight * share;
    const [intent, score] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    signals.push({ source: vote.source, intent, score: round(score) });
  }
  const ranked = () => intents.map((i) => [i, total[i]!] as const).sort((a, b) => b[1] - a[1]);
  if (cast === 0) return { intent: 'other', confidence: 0, margin: 0, signals };

  const [first, second] = ranked();
  const candidates = [first![0], ...(second && second[1] > 0 ? [second[0]] : [])];
  const evidence = candidates.map((i) => [i, ENTITY_RULES[i]?.(entities)] as const);
  const supported = evidence.filter(([, e]) => e === 'for').map(([i]) => i);
  if (supported.length > 0) {
    cast += ENTITY_WEIGHT;
    for (const i of supported) total[i]! += ENTITY_WEIGHT / supported.length;
    signals.push({ source: 'entities', intent: supported[0]!, score: round(1 / supported.length) });
  } else if (evidence[0]![1] === 'against') {
    cast += ENTITY_WEIGHT;
    signals.push({ source: 'entities', intent: first![0], score: 0 });
  }

  const [top, runnerUp] = ranked();
  return {
    intent: top![0],
    confidence: round(top![1] / cast),
    margin: round((top![1] - (runnerUp?.[1] ?? 0)) / cast),
    signals,
  };
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
