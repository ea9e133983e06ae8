// Every benchmark in one command, in sequence on the real broker and database, each printing its figures with the
// target beside them (OK / MISS); the local-model tokens/s bench runs in a child process (node-llama-cpp) when the
// model is present. Run: node -r ./libs/llm/test/support/swc-register.js test/bench/run-all.ts
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '@switchboard/observability';
import { run as checkpoint } from './checkpoint.bench';
import { run as gateway } from './gateway-overhead.bench';
import { run as overhead } from './pipeline-overhead.bench';
import { run as throughput } from './throughput.bench';
import { printFigures, type Figure } from './support/figures';

async function main(): Promise<number> {
  configureLogging({ level: 'error' });
  const t0 = Date.now();
  const all: Array<[string, Figure[]]> = [];
  for (const [title, bench] of [
    ['pipeline overhead (one case in flight, zero-latency scripted model, vs a kafkajs relay floor)', overhead],
    ['checkpoint cost (real Postgres)', checkpoint],
    ['gateway overhead per tool call (vs direct HTTP to the backend)', gateway],
    [`sustained throughput, open loop (BENCH_RATE=${process.env.BENCH_RATE ?? 100}/s for BENCH_SECONDS=${process.env.BENCH_SECONDS ?? 60} s; the target is stated for 300 s)`, throughput],
  ] as const) {
    const figures = await bench();
    printFigures(title, figures);
    all.push([title, figures]);
  }
  const root = join(__dirname, '..', '..');
  const model = process.env.SWITCHBOARD_LOCAL_MODEL ?? join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
  console.log('\nlocal model tokens/s (test/bench/llm-local.bench.ts)');
  if (existsSync(model) && process.env.BENCH_SKIP_LOCAL !== '1') {
    const child = spawnSync(process.execPath, ['-r', join(root, 'libs/llm/test/support/swc-register.js'), join(root, 'test/bench/llm-local.bench.ts')], { cwd: root, encoding: 'utf8', timeout: 8 * 60_000 });
    console.log((child.stdout || '').trim() || `  failed: ${child.stderr?.slice(-500)}`);
  } else {
    console.log(`  not run: ${existsSync(model) ? 'BENCH_SKIP_LOCAL=1' : `no model at ${model} (scripts/fetch-model)`}`);
  }
  console.log('\nnot measured here: the LangGraph.js peer; tokens per case: see `npm run eval` (tokens/case column)');
  const misses = all.flatMap(([, f]) => f.filter((x) => x.ok === false).map((x) => x.name));
  console.log(`\n${misses.length} target(s) missed${misses.length ? `: ${misses.join('; ')}` : ''}; total ${Math.round((Date.now() - t0) / 1000)} s`);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
