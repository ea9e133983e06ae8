// CPU and latency per embedding of the local MiniLM model (the shipped OnnxMiniLmEmbedder), as a service uses it: one
// ticket-sized text at a time with a short gap between (BENCH_EMBED_GAP_MS, default 5), over the labelled triage
// tickets. Baseline in the same run: onnxruntime's defaults (a thread per core, idle threads spin-waiting), which the
// adapter used before, against the shipped setting (one thread, no spinning) and the two in between. Blocks
// alternate so machine noise lands on all. Also triage's multilingual encoder (UseMultilingualEmbedder, one thread, no
// spinning), measured the same way in the same blocks. Then retrieval's search text (apps/retrieval/src/search-text.ts)
// against the text it searched with before 2026-12-07 (intent, triage summary and the supervisor's query joined as they
// came), built for the same tickets from their labelled intent and the summary triage takes from a ticket, embedded by
// the shipped MiniLM, the two in alternating blocks. Needs the models (scripts/fetch-embeddings,
// scripts/fetch-encoder), no infra.
// Run: npm run bench:embeddings   (BENCH_EMBED_ROUNDS, default 3 alternations of 150 texts each)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EMBEDDINGS_DIR, DEFAULT_ENCODER_DIR, type EmbeddingPort, OnnxMiniLmEmbedder, UseMultilingualEmbedder } from '@switchboard/memory';
import { searchText } from '../../apps/retrieval/src/search-text';
import { subjectOf } from '../../apps/triage/src/classification/example-index';
import { groundSummary } from '../../apps/triage/src/classification/summary';
import { info, percentile, printFigures, type Figure } from './support/figures';

const GAP_MS = Number(process.env.BENCH_EMBED_GAP_MS ?? 5);
const ROUNDS = Number(process.env.BENCH_EMBED_ROUNDS ?? 3);

interface Variant { label: string; threads: number; spin: boolean; cpuMs: number[]; wallMs: number[] }

export async function run(): Promise<Figure[]> {
  const tickets = (JSON.parse(readFileSync(join(__dirname, '..', 'triage', 'labelled-tickets.json'), 'utf8')) as { tickets: Array<{ text: string; intent: string }> }).tickets
    .slice(0, 150);
  const texts = tickets.map((t) => t.text);
  const dir = process.env.MEMORY_EMBEDDINGS_DIR ?? DEFAULT_EMBEDDINGS_DIR;
  const variants: Variant[] = [
    { label: 'onnxruntime defaults: a thread per core, spinning (the previous setting; baseline)', threads: 0, spin: true, cpuMs: [], wallMs: [] },
    { label: 'a thread per core, no spinning', threads: 0, spin: false, cpuMs: [], wallMs: [] },
    { label: '1 thread, spinning', threads: 1, spin: true, cpuMs: [], wallMs: [] },
    { label: '1 thread, no spinning (shipped)', threads: 1, spin: false, cpuMs: [], wallMs: [] },
  ];
  const embedders: Array<EmbeddingPort & { close(): Promise<void> }> = await Promise.all(variants.map((v) => OnnxMiniLmEmbedder.create(dir, { threads: v.threads, spin: v.spin })));
  variants.push({ label: 'triage: USE multilingual v3 encoder, 1 thread, no spinning (shipped)', threads: 1, spin: false, cpuMs: [], wallMs: [] });
  embedders.push(await UseMultilingualEmbedder.create(process.env.TRIAGE_ENCODER_DIR ?? DEFAULT_ENCODER_DIR));
  // Retrieval's query per ticket, as the supervisor's task and triage's ticket-grounded summary make it.
  const queries = tickets.map((t) => {
    const subject = subjectOf(t.text) ?? t.text.trim();
    const summary = groundSummary('', t.text, []).summary;
    const query = `${subject}\n\n${summary}`;
    return { before: [t.intent.replace(/_/g, ' '), summary, query].join('\n'), now: searchText(t.intent, summary, query) };
  });
  const searches: Variant[] = [
    { label: 'retrieval query as searched before 2026-12-07 (baseline)', threads: 1, spin: false, cpuMs: [], wallMs: [] },
    { label: 'retrieval query, each line once (shipped: searchText)', threads: 1, spin: false, cpuMs: [], wallMs: [] },
  ];
  const timed = async (embedder: EmbeddingPort, text: string, v: Variant) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await embedder.embed([text]);
    v.wallMs.push(performance.now() - t0);
    // Spinning threads burn CPU after the run returns: the gap is charged to the embedding it follows.
    await new Promise((r) => setTimeout(r, GAP_MS));
    const cpu = process.cpuUsage(cpu0);
    v.cpuMs.push((cpu.user + cpu.system) / 1000);
  };
  try {
    for (const e of embedders) await e.embed(texts.slice(0, 10)); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, v] of variants.entries()) {
        for (const text of texts) await timed(embedders[i]!, text, v);
      }
      // ABBA across rounds: which of the two goes first alternates.
      for (const k of round % 2 === 0 ? (['before', 'now'] as const) : (['now', 'before'] as const)) {
        for (const q of queries) await timed(embedders[3]!, q[k], searches[k === 'before' ? 0 : 1]!);
      }
    }
  } finally {
    await Promise.all(embedders.map((e) => e.close()));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(variants[0]!.cpuMs);
  const searchBase = mean(searches[0]!.cpuMs);
  const chars = (k: 'before' | 'now') => mean(queries.map((q) => q[k].length));
  return [
    ...variants.flatMap((v) => [
      info(v.label, NaN, ''),
      info('  CPU per embedding (the process, gap included)', mean(v.cpuMs), 'ms'),
      info('  × MiniLM baseline', mean(v.cpuMs) / base, '×'),
      info('  latency p50 / p99', percentile(v.wallMs, 50), 'ms'),
      info('  p99', percentile(v.wallMs, 99), 'ms'),
    ]),
    ...searches.flatMap((v, i) => [
      info(v.label, NaN, ''),
      info('  characters per query', chars(i === 0 ? 'before' : 'now'), ''),
      info('  CPU per query embedding (the process, gap included)', mean(v.cpuMs), 'ms'),
      info('  × the query as before', mean(v.cpuMs) / searchBase, '×'),
      info('  latency p50', percentile(v.wallMs, 50), 'ms'),
    ]),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures(`MiniLM and triage-encoder embedding, one text at a time with ${GAP_MS} ms between (onnxruntime-node, this machine)`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
