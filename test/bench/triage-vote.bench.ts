// CPU per ticket of triage's labelled-examples vote (ExampleIndex.vote: the multilingual encoder on the ticket and its
// subject, the encoder view over the 691 examples, the character n-gram view, the two k-nearest votes, the nearest
// example per intent), over the evaluation tickets (test/triage/*.json, 344), one after another. Baseline in the same
// run: the arithmetic the vote used before 2026-12-06, kept below as `previousVote` (two dot products per example over
// arrays of arrays, a full sort per k-nearest vote, `includes` over the intents per example), fed by the same encoder,
// examples and n-gram index. Blocks alternate (figures.ts `alternate`) so machine noise lands on both. Every ticket's
// two votes are compared: the bench stops if they differ by more than rounding. Needs the encoder
// (scripts/fetch-encoder), no infra.
// Run: npm run bench:triage-vote   (BENCH_VOTE_ROUNDS, default 3)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UseMultilingualEmbedder } from '@switchboard/memory';
import { loadConfig } from '@switchboard/observability';
import { CharNgramIndex } from '../../apps/triage/src/classification/char-ngrams';
import { ExampleIndex, neighbourShares, SUBJECT_WEIGHT, subjectOf, type IntentScores } from '../../apps/triage/src/classification/example-index';
import { loadTriageExamples } from '../../apps/triage/src/classification/examples.loader';
import { TriageConfigSchema } from '../../apps/triage/src/triage.config';
import { alternate, info, printFigures, type Figure } from './support/figures';

const ROUNDS = Number(process.env.BENCH_VOTE_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`BENCH_VOTE_ROUNDS must be a whole number ≥ 1; got ${process.env.BENCH_VOTE_ROUNDS}`);

/** The previous k-nearest selection: every example sorted for the best k (the weighting is the shipped one). */
function previousKnn(similarities: readonly number[], labels: readonly string[], k: number, intents: readonly string[]): IntentScores {
  const allowed = new Set(intents);
  const top = similarities.map((s, i) => ({ s, intent: labels[i]! })).filter((x) => allowed.has(x.intent) && x.s > 0).sort((a, b) => b.s - a.s).slice(0, k);
  return neighbourShares(top, intents);
}

const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export async function run(): Promise<Figure[]> {
  const config = loadConfig(TriageConfigSchema, {});
  const intents = [...new Set([...config.TRIAGE_INTENTS, 'other'])];
  const examples = loadTriageExamples(config.TRIAGE_EXAMPLES_FILE, intents);
  const embedder = await UseMultilingualEmbedder.create(config.TRIAGE_ENCODER_DIR);
  const index = await ExampleIndex.build(examples, embedder, { k: config.TRIAGE_NEIGHBOURS });
  const texts = examples.examples.map((e) => e.text);
  const labels = examples.examples.map((e) => e.intent);
  const vectors = await embedder.embed(texts);
  const ngrams = CharNgramIndex.fit(texts);
  const k = config.TRIAGE_NEIGHBOURS;

  /** The vote as computed before, minus the calibration lookup (the same in both): its three votes and nearest examples. */
  const previousVote = async (text: string) => {
    const subject = subjectOf(text);
    const [whole, head] = await embedder.embed(subject ? [text, subject] : [text]);
    const dense = vectors.map((e) => (head ? (1 - SUBJECT_WEIGHT) * dot(e, whole!) + SUBJECT_WEIGHT * dot(e, head) : dot(e, whole!)));
    const sparse = ngrams.similarities(text);
    const best = new Map<string, (typeof examples.examples)[number] & { similarity: number }>();
    examples.examples.forEach((e, i) => {
      const similarity = (dense[i]! + sparse[i]!) / 2;
      if (intents.includes(e.intent) && similarity > (best.get(e.intent)?.similarity ?? -Infinity)) best.set(e.intent, { ...e, similarity });
    });
    return { embedding: previousKnn(dense, labels, k, intents), ngram: previousKnn(sparse, labels, k, intents), nearest: [...best.values()].sort((a, b) => b.similarity - a.similarity) };
  };

  const tickets: string[] = [];
  const dir = join(__dirname, '..', 'triage');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('-tickets.json'))) {
    tickets.push(...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as { tickets: Array<{ text: string }> }).tickets.map((t) => t.text));
  }

  // Same answers first: the encoder view's sum is regrouped, so shares may differ in the last bits, nothing more.
  let worst = 0;
  for (const text of tickets) {
    const [now, before] = [await index.vote(text, intents), await previousVote(text)];
    for (const view of ['embedding', 'ngram'] as const) {
      for (const intent of intents) worst = Math.max(worst, Math.abs((now[view][intent] ?? 0) - (before[view][intent] ?? 0)));
    }
    const order = (xs: string[]) => xs.join(' ');
    if (order(now.nearest.map((n) => n.intent)) !== order(before.nearest.map((n) => n.intent))) throw new Error(`the two votes rank the nearest intents differently for: ${text.slice(0, 80)}`);
  }
  if (worst > 1e-9) throw new Error(`the two votes differ by ${worst} in a share`);

  const timed = async (vote: (text: string) => Promise<unknown>): Promise<number> => {
    const c0 = process.cpuUsage();
    for (const text of tickets) await vote(text);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / tickets.length;
  };
  const cpu = await alternate(ROUNDS, 1, () => timed(previousVote), () => timed((text) => index.vote(text, intents)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  await embedder.close();
  return [
    info(`tickets voted per block (${ROUNDS} blocks each, alternating)`, tickets.length, 'tickets'),
    info('largest difference between the two votes in any share, × 10⁻¹⁵', worst * 1e15, ''),
    info('CPU per vote, previous arithmetic (baseline)', mean(cpu.baseline), 'ms'),
    info('CPU per vote, shipped', mean(cpu.system), 'ms'),
    info('saved per vote', mean(cpu.baseline) - mean(cpu.system), 'ms'),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures('triage examples vote, one ticket at a time (encoder included, this machine)', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
