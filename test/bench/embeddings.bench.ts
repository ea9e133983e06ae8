// CPU and latency per embedding of the local MiniLM model (the shipped OnnxMiniLmEmbedder), as a service uses it: one
// ticket-sized text at a time with a short gap between (BENCH_EMBED_GAP_MS, default 5), over the labelled triage
// tickets. Baseline in the same run: onnxruntime's defaults (a thread per core, idle threads spin-waiting), which the
// adapter used before, against the shipped setting (one thread, no spinning) and the two in between. Blocks
// alternate so machine noise lands on all. Also triage's multilingual encoder (UseMultilingualEmbedder, one thread, no
// spinning), measured the same way in the same blocks. Needs the models (scripts/fetch-embeddings, scripts/fetch-encoder), no infra.
// Run: npm run bench:embeddings   (BENCH_EMBED_ROUNDS, default 3 alternations of 150 texts each)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EMBEDDINGS_DIR, DEFAULT_ENCODER_DIR, type EmbeddingPort, OnnxMiniLmEmbedder, UseMultilingualEmbedder } from '@switchboard/memory';
import { info, percentile, printFigures, type Figure } from './support/figures';

const GAP_MS = Number(process.env.BENCH_EMBED_GAP_MS ?? 5);
const ROUNDS = Number(process.env.BENCH_EMBED_ROUNDS ?? 3);

interface Variant { label: string; threads: number; spin: boolean; cpuMs: number[]; wallMs: number[] }

export async function run(): Promise<Figure[]> {
  const texts = (JSON.parse(readFileSync(join(__dirname, '..', 'triage', 'labelled-tickets.json'), 'utf8')) as { tickets: Array<{ text: string }> }).tickets
    .map((t) => t.text).slice(0, 150);
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
  try {
    for (const e of embedders) await e.embed(texts.slice(0, 10)); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, v] of variants.entries()) {
        for (const text of texts) {
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          await embedders[i]!.embed([text]);
          v.wallMs.push(performance.now() - t0);
          // Spinning threads burn CPU after the run returns: the gap is charged to the embedding it follows.
          await new Promise((r) => setTimeout(r, GAP_MS));
          const cpu = process.cpuUsage(cpu0);
          v.cpuMs.push((cpu.user + cpu.system) / 1000);
        }
      }
    }
  } finally {
    await Promise.all(embedders.map((e) => e.close()));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(variants[0]!.cpuMs);
  return variants.flatMap((v) => [
    info(v.label, NaN, ''),
    info('  CPU per embedding (the process, gap included)', mean(v.cpuMs), 'ms'),
    info('  × MiniLM baseline', mean(v.cpuMs) / base, '×'),
    info('  latency p50 / p99', percentile(v.wallMs, 50), 'ms'),
    info('  p99', percentile(v.wallMs, 99), 'ms'),
  ]);
}

if (require.main === module) {
  run().then((f) => { printFigures(`MiniLM and triage-encoder embedding, one text at a time with ${GAP_MS} ms between (onnxruntime-node, this machine)`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
