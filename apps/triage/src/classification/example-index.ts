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
  /** How often a vote like `examples` (by its leading share, and whether both views lead with the same intent) was right when each example was held out. */
  reliability: number;
  /** Per intent, its closest example (mean of both similarities), most similar first. */
  nearest: NearestExample[];
}

/** One band of the examples vote's held-out calibration. */
export interface CalibrationBand {
  /** Lowest leading share of the band. */
  minShare: number;
  /** Whether the two views (embedding, n-grams) lead with the same intent in this band. */
  viewsAgree: boolean;
  /**
   * How far a vote in the band is trusted: the lower bound of the 95% Wilson interval of its held-out accuracy, never
   * below chance. The examples are short, clean one-liners and tickets are not; on the evaluation set the plain
   * held-out mean of the middle bands (0.97 for an agreeing vote led at 0.7–0.9) let wrong votes clear the autonomy
   * threshold, and a band measured on few examples cannot vouch for more than they show.
   */
  accuracy: number;
  /** Held-out examples that fell in the band. */
  n: number;
}

/** Held-out accuracy of the examples vote per band, highest share first, views agreeing before disagreeing. */
export type ExamplesCalibration = CalibrationBand[];

/**
 * Leading-share bands the examples vote is calibrated in, each split by whether the two views agree on the leader.
 * A vote whose views disagree can still lead with 0.7 (one view certain, the other split), and it is right far less
 * often than an agreeing one: on the evaluation set such votes cleared the autonomy threshold wrongly when both were
 * pooled (docs/agents.md, "Triage").
 */
const SHARE_BANDS = [0.9, 0.7, 0];
const bandOf = (share: number, viewsAgree: boolean): number => SHARE_BANDS.findIndex((min) => share >= min) * 2 + (viewsAgree ? 0 : 1);

/**
 * How much a ticket's subject line weighs, alone, in the encoder's similarity to an example (the whole ticket weighs
 * the rest). A ticket that asks for an action and adds a question or an aside is labelled by its request, the one its
 * subject names (the labelling rule of the examples and of every evaluation set); compared whole, the aside's words
 * can pull it to another intent — most often to `how_to`. The examples are one-liners like a subject, so their
 * held-out calibration is unchanged. Only the encoder reads the subject alone: the character n-grams of a few words
 * latch onto a topic word ("Adding a colleague" matched a lockout example about a colleague's frozen access and
 * escalated the quick start's how-to ticket). 0.4 was chosen on the labelled and the two read blind sets (docs/agents.md,
 * "Triage").
 */
export const SUBJECT_WEIGHT = 0.4;

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
  // The k most similar, highest first and, among equals, in corpus order (what a stable sort would give), kept by
  // insertion in one pass: sorting all 691 examples for the best three was most of the vote's arithmetic.
  const top: Array<{ s: number; intent: string }> = [];
  for (let i = 0; i < similarities.length && k > 0; i++) {
    const s = similarities[i]!;
    const intent = labels[i]!;
    if (!(s > 0) || !allowed.has(intent) || (top.length === k && s <= top[k - 1]!.s)) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]!.s < s) at--;
    top.splice(at, 0, { s, intent });
    if (top.length > k) top.pop();
  }
  return neighbourShares(top, intents, temperature);
}

/**
 * The vote of the k nearest neighbours, most similar first (see {@link knnVote}): each weighs
 * exp((similarity − best) / temperature), an intent's share is the sum of its neighbours' weights; `{}` without any.
 */
export function neighbourShares(top: ReadonlyArray<{ s: number; intent: string }>, intents: readonly string[], temperature = NEIGHBOUR_TEMPERATURE): IntentScores {
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
    /** The examples' unit vectors, row after row (see {@link dotEach}). */
    private readonly matrix: Float64Array,
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
    const matrix = Float64Array.from(vectors.flat());
    const ngrams = CharNgramIndex.fit(texts);
    const k = options.k ?? 3;
    const labels = examples.examples.map((e) => e.intent);
    const intents = [...new Set(labels)];
    // The examples vote's reliability is measured, not guessed: each example is held out and classified by the rest,
    // and the share of right answers is kept per band (leading share, views agreeing or not), taken at the lower end of
    // its Wilson interval. It follows the examples file when a deployment edits it.
    const tally = SHARE_BANDS.flatMap(() => [{ right: 0, n: 0 }, { right: 0, n: 0 }]);
    for (let i = 0; i < texts.length; i++) {
      const dense = knnVote(dotEach(matrix, vectors[i]!).map((s, j) => (j === i ? 0 : s)), labels, k, intents);
      const sparse = knnVote(ngrams.similarities(texts[i]!).map((s, j) => (j === i ? 0 : s)), labels, k, intents);
      const [intent, share] = leader(fuse(dense, sparse, intents));
      const band = tally[bandOf(share, viewsAgree(dense, sparse))]!;
      band.n++;
      if (intent === labels[i]) band.right++;
    }
    const calibration: ExamplesCalibration = tally.map((t, b) => ({
      minShare: SHARE_BANDS[Math.floor(b / 2)]!,
      viewsAgree: b % 2 === 0,
      accuracy: Math.max(wilsonLowerBound(t.right, t.n), 1 / intents.length),
      n: t.n,
    }));
    return new ExampleIndex(examples.examples, matrix, ngrams, embedder, examples.descriptions, k, calibration);
  }

  /** Number of labelled examples indexed. */
  get size(): number {
    return this.examples.length;
  }

  /**
   * The examples' vote on one ticket (`subject`, a blank line, the body — as triage joins them). The encoder's view
   * compares the examples with the whole ticket and, weighed by `subjectWeight`, with its subject line alone; the
   * n-gram view reads the whole ticket only.
   */
  async vote(text: string, intents: readonly string[], options: { subjectWeight?: number } = {}): Promise<ExampleVotes> {
    const weight = options.subjectWeight ?? SUBJECT_WEIGHT;
    const subject = weight > 0 ? subjectOf(text) : undefined;
    const [whole, head] = await this.embedder.embed(subject ? [text, subject] : [text]);
    // (1 − w)·(e · whole) + w·(e · head) is e · ((1 − w)·whole + w·head): one pass over the examples, not two.
    const dense = dotEach(this.matrix, head ? whole!.map((x, d) => (1 - weight) * x + weight * head[d]!) : whole!);
    const sparse = this.ngrams.similarities(text);
    const labels = this.examples.map((e) => e.intent);
    const best = new Map<string, NearestExample>();
    const allowed = new Set(intents);
    this.examples.forEach((e, i) => {
      const similarity = (dense[i]! + sparse[i]!) / 2;
      if (allowed.has(e.intent) && similarity > (best.get(e.intent)?.similarity ?? -Infinity)) best.set(e.intent, { ...e, similarity });
    });
    const embedding = knnVote(dense, labels, this.k, intents);
    const ngram = knnVote(sparse, labels, this.k, intents);
    const examples = fuse(embedding, ngram, intents);
    const share = leader(examples)[1];
    return {
      embedding,
      ngram,
      examples,
      reliability: this.calibration[bandOf(share, viewsAgree(embedding, ngram))]?.accuracy ?? 0,
      nearest: [...best.values()].sort((a, b) => b.similarity - a.similarity),
    };
  }
}

/** The ticket's subject line, when it has one and a body after it (a blank line between them). */
export function subjectOf(text: string): string | undefined {
  const [subject = '', ...rest] = text.split(/\r?\n\s*\r?\n/);
  return rest.join('').trim() && subject.trim() ? subject.trim() : undefined;
}

/** Averages two votes; a vote that abstains leaves the other alone. */
function fuse(a: IntentScores, b: IntentScores, intents: readonly string[]): IntentScores {
  const votes = [a, b].filter((v) => Object.keys(v).length > 0);
  if (votes.length === 0) return {};
  return Object.fromEntries(intents.map((i) => [i, votes.reduce((sum, v) => sum + (v[i] ?? 0), 0) / votes.length]));
}

/**
 * Lower bound of the 95% Wilson score interval of a proportion (0 when nothing was observed).
 *
 * @example
 * wilsonLowerBound(135, 136); // ≈ 0.96
 */
export function wilsonLowerBound(right: number, n: number, z = 1.96): number {
  if (n === 0) return 0;
  const p = right / n;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/** Whether both views lead with the same intent (a view that abstains agrees with anything). */
function viewsAgree(a: IntentScores, b: IntentScores): boolean {
  if (Object.keys(a).length === 0 || Object.keys(b).length === 0) return true;
  return leader(a)[0] === leader(b)[0];
}

function leader(scores: IntentScores): [string, number] {
  const entries = Object.entries(scores);
  return entries.length ? entries.reduce((x, y) => (y[1] > x[1] ? y : x)) : ['', 0];
}

/**
 * `query` · each row of `matrix` (rows of `query.length` values, one after another). The examples' vectors are kept in
 * one typed array so that a ticket is compared with all 691 in a single pass over contiguous memory; as arrays of
 * arrays, and once per view, this was the vote's largest cost after the encoder.
 */
function dotEach(matrix: Float64Array, query: readonly number[]): number[] {
  const dim = query.length;
  const out = new Array<number>(dim ? matrix.length / dim : 0);
  for (let row = 0, base = 0; row < out.length; row++, base += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += matrix[base + d]! * query[d]!;
    out[row] = s;
  }
  return out;
}
