import type { EmbeddingPort } from '@switchboard/memory';
import { CharNgramIndex } from './char-ngrams';
import type { LabelledExample, TriageExamples } from './examples.loader';

/** A signal's vote: a share per intent, summing to 1 (or empty when the signal abstains). */
export type IntentScores = Record<string, number>;

/** The nearest labelled example of one intent. */
export interface NearestExample extends LabelledExample {
  similarity: number;
}

/** What the labelled examples say about one ticket. */
export interface ExampleVotes {
  /** k nearest examples by the sentence-embedding model, similarity-weighted. */
  embedding: IntentScores;
  /** k nearest examples by character n-grams, similarity-weighted. */
  ngram: IntentScores;
  /** The two views averaged: the examples' one vote (they share their evidence, so they are not counted twice). */
  examples: IntentScores;
  /** How often a vote like `examples` (by its leading share) was right when each example was held out. */
  reliability: number;
  /** Per intent, its closest example (mean of both similarities), most similar first. */
  nearest: NearestExample[];
}

/** Held-out accuracy of the examples vote by its leading share: `[minShare, accuracy]`, highest share first. */
export type ExamplesCalibration = Array<[minShare: number, accuracy: number]>;

/** Leading-share bands the examples vote is calibrated in. */
const SHARE_BANDS = [0.9, 0.7, 0];

/** Similarity gap at which a neighbour's vote weighs e⁻¹ of the nearest one's (cosine units). */
export const NEIGHBOUR_TEMPERATURE = 0.05;

/**
 * Votes the `k` nearest neighbours: each weighs exp((similarity − best) / temperature), so a neighbour nearly as close
 * as the best one counts almost as much and a clearly farther one hardly at all; an intent's share is the sum of its
 * neighbours' weights. The vote thus carries the margin between the nearest intents, not just their order. Only
 * `intents` may receive a vote; with no positive similarity to any of them the signal abstains (`{}`).
 *
 * @example
 * knnVote([0.9, 0.2, 0.88], ['refund', 'other', 'how_to'], 2, ['refund', 'other', 'how_to']); // { refund: 0.6, how_to: 0.4, other: 0 }
 */
export function knnVote(similarities: readonly number[], labels: readonly string[], k: number, intents: readonly string[], temperature = NEIGHBOUR_TEMPERATURE): IntentScores {
  const allowed = new Set(intents);
  const top = similarities
    .map((s, i) => ({ s, intent: labels[i]! }))
    .filter((x) => allowed.has(x.intent) && x.s > 0)
    .sort((a, b) => b.s - a.s)
    .slice(0, k);
  if (top.length === 0) return {};
  const weights = top.map((x) => Math.exp((x.s - top[0]!.s) / temperature));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const scores: IntentScores = Object.fromEntries(intents.map((i) => [i, 0]));
  top.forEach((x, j) => { scores[x.intent]! += weights[j]! / total; });
  return scores;
}

/**
 * The labelled examples, embedded once at start-up with the real sentence-embedding model and indexed by character
 * n-grams; answers "which intents are this ticket's nearest examples" through two independent views of the text.
 *
 * @example
 * const index = await ExampleIndex.build(loadTriageExamples(path, intents), embedder);
 * const votes = await index.vote('Notre tableau de bord est vide', intents); // votes.embedding.dashboard_cache ≈ 1
 */
export class ExampleIndex {
  private constructor(
    private readonly examples: LabelledExample[],
    private readonly vectors: number[][],
    private readonly ngrams: CharNgramIndex,
    private readonly embedder: EmbeddingPort,
    readonly descriptions: Record<string, string>,
    private readonly k: number,
    /** Held-out accuracy of the examples vote per band of its leading share: how far a vote is trusted. */
    readonly calibration: ExamplesCalibration,
  ) {}

  static async build(examples: TriageExamples, embedder: EmbeddingPort, options: { k?: number } = {}): Promise<ExampleIndex> {
    const texts = examples.examples.map((e) => e.text);
    const vectors = await embedder.embed(texts);
    const ngrams = CharNgramIndex.fit(texts);
    const k = options.k ?? 3;
    const labels = examples.examples.map((e) => e.intent);
    const intents = [...new Set(labels)];
    // The examples vote's reliability is measured, not guessed: each example is held out and classified by the rest,
    // and the share of right answers is kept per band of the vote's leading share (Laplace-smoothed). It follows the
    // examples file when a deployment edits it.
    const tally = SHARE_BANDS.map(() => ({ right: 0, n: 0 }));
    for (let i = 0; i < texts.length; i++) {
      const dense = vectors.map((v, j) => (j === i ? 0 : dot(v, vectors[i]!)));
      const sparse = ngrams.similarities(texts[i]!).map((s, j) => (j === i ? 0 : s));
      const [intent, share] = leader(fuse(knnVote(dense, labels, k, intents), knnVote(sparse, labels, k, intents), intents));
      const band = tally[SHARE_BANDS.findIndex((min) => share >= min)]!;
      band.n++;
      if (intent === labels[i]) band.right++;
    }
    const calibration: ExamplesCalibration = SHARE_BANDS.map((min, b) => [min, (tally[b]!.right + 1) / (tally[b]!.n + 2)]);
    return new ExampleIndex(examples.examples, vectors, ngrams, embedder, examples.descriptions, k, calibration);
  }

  /** Number of labelled examples indexed. */
  get size(): number {
    return this.examples.length;
  }

  async vote(text: string, intents: readonly string[]): Promise<ExampleVotes> {
    const [v] = await this.embedder.embed([text]);
    const dense = this.vectors.map((e) => dot(e, v!));
    const sparse = this.ngrams.similarities(text);
    const labels = this.examples.map((e) => e.intent);
    const best = new Map<string, NearestExample>();
    this.examples.forEach((e, i) => {
      const similarity = (dense[i]! + sparse[i]!) / 2;
      if (intents.includes(e.intent) && similarity > (best.get(e.intent)?.similarity ?? -Infinity)) best.set(e.intent, { ...e, similarity });
    });
    const embedding = knnVote(dense, labels, this.k, intents);
    const ngram = knnVote(sparse, labels, this.k, intents);
    const examples = fuse(embedding, ngram, intents);
    const share = leader(examples)[1];
    return {
      embedding,
      ngram,
      examples,
      reliability: this.calibration.find(([min]) => share >= min)?.[1] ?? 0,
      nearest: [...best.values()].sort((a, b) => b.similarity - a.similarity),
    };
  }
}

/** Averages two votes; a vote that abstains leaves the other alone. */
function fuse(a: IntentScores, b: IntentScores, intents: readonly string[]): IntentScores {
  const votes = [a, b].filter((v) => Object.keys(v).length > 0);
  if (votes.length === 0) return {};
  return Object.fromEntries(intents.map((i) => [i, votes.reduce((sum, v) => sum + (v[i] ?? 0), 0) / votes.length]));
}

function leader(scores: IntentScores): [string, number] {
  const entries = Object.entries(scores);
  return entries.length ? entries.reduce((x, y) => (y[1] > x[1] ? y : x)) : ['', 0];
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
