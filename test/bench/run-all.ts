// Every benchmark in one command (`npm run bench`, ≈ 25 min), in sequence on the real broker and database, each printing its figures with the
// target beside them (OK / MISS); the local-model tokens/s bench runs in a child process (node-llama-cpp) when the
// model is present. Every benchmark that writes to Postgres measures on databases created empty for the run
// (`switchboard_bench_test`, `acme_switchboard_bench_test`; support/bench-database.ts), not on the shared test database and the
// rows earlier test runs left in it; BENCH_DATABASE=shared measures on the test database instead.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/run-all.ts
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '@switchboard/observability';
import { freshBenchDatabases } from './support/bench-database';
import { run as checkpoint } from './checkpoint.bench';
import { run as gateway } from './gateway-overhead.bench';
import { run as inbox } from './inbox.bench';
import { run as peer } from './langgraph-peer.bench';
import { run as overhead } from './pipeline-overhead.bench';
import { DEFAULT_PREVIOUS_REF, run as previousRelease } from './previous-release.bench';
import { run as throughput } from './throughput.bench';
import { atLeast, atMost, info, printFigures, valueOf, type Figure } from './support/figures';

/** Scenarios the local model runs for its tokens-per-case figure: one per common intent. */
const LOCAL_SCENARIOS = '^(dashboard-seed-feature-toggle|howto-no-action|refund-under-threshold)$';

/**
 * Runs this file again in a child whose test database URLs name databases created empty for the run (the benchmarks
 * read the URLs when their modules load, so they are set before any loads). Returns the child's exit code.
 */
async function onFreshDatabases(): Promise<number> {
  const db = await freshBenchDatabases('switchboard_bench');
  console.log(`benchmarks on fresh databases: ${new URL(db.main).pathname.slice(1)}, ${new URL(db.acme).pathname.slice(1)} (BENCH_DATABASE=shared for the test database)`);
  const child = spawnSync(process.execPath, [...process.execArgv, __filename], {
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE_URL: db.main, TEST_ACME_DATABASE_URL: db.acme, BENCH_DATABASE: 'fresh-ready' },
  });
  return child.status ?? 1;
}

async function main(): Promise<number> {
  configureLogging({ level: 'error' });
  const where = process.env.BENCH_DATABASE ?? 'fresh';
  if (where === 'fresh') return onFreshDatabases();
  if (where !== 'shared' && where !== 'fresh-ready') throw new Error(`BENCH_DATABASE must be fresh (the default) or shared, got "${where}"`);
  const t0 = Date.now();
  process.env.BENCH_SECONDS ??= '300'; // the sustained-throughput target is stated for 5 minutes
  const all: Array<[string, Figure[]]> = [];
  const PEER = 'LangGraph.js peer: the same five steps as a StateGraph with PostgresSaver (durability "sync"), zero-latency nodes, same Postgres';
  const offeredRate = process.env.BENCH_RATE;
  for (const [title, bench] of [
    [() => 'pipeline overhead (one case in flight, zero-latency scripted model, vs a kafkajs relay floor)', overhead],
    [() => 'checkpoint cost (real Postgres)', checkpoint],
    [() => 'gateway overhead per tool call (vs direct HTTP to the backend)', gateway],
    [() => 'console inbox at 10,000 open cases (InboxRepository.page vs a primary-key lookup, own database)', inbox],
    [() => PEER, peer],
    [() => `sustained throughput, open loop (BENCH_RATE=${process.env.BENCH_RATE ?? 100}/s${offeredRate ? '' : ', twice the peer\'s closed loop'} for BENCH_SECONDS=${process.env.BENCH_SECONDS} s)`, throughput],
  ] as const) {
    const figures = await bench();
    printFigures(title(), figures);
    all.push([title(), figures]);
    // Issue 21 states the sustained run at twice the peer's rate, offered; BENCH_RATE set by hand wins.
    const peerRate = title() === PEER ? valueOf(figures, 'peer.throughput') : NaN;
    if (!offeredRate && Number.isFinite(peerRate) && peerRate > 0) process.env.BENCH_RATE = String(Math.round(2 * peerRate));
  }
  // Issue 21's CPU target is against the release it was filed on, measured in the same environment: that release
  // runs here beside this build (previous-release.bench.ts, ≈ 5 min).
  if (process.env.BENCH_SKIP_PREVIOUS !== '1') {
    const title = `this build against the previous release (${process.env.BENCH_PREVIOUS_REF ?? DEFAULT_PREVIOUS_REF}), same machine, same run`;
    console.log(`\n${title}: running`);
    try {
      const figures = await previousRelease();
      printFigures(title, figures);
      all.push([title, figures]);
    } catch (error) {
      // Twenty minutes of figures above are not thrown away for it: said here, and counted as a miss at the end.
      console.log(`  not run: ${error instanceof Error ? error.message : String(error)}`);
      all.push([title, [atMost('CPU per case: this build / previous release (not measured)', NaN, '×', 0.4)]]);
    }
  }
  const side = sideBySide(Object.fromEntries(all));
  printFigures('Switchboard / LangGraph.js peer, side by side (ratios of figures measured above in this run)', side);
  all.push(['side by side', side]);
  const root = join(__dirname, '..', '..');
  const model = process.env.SWITCHBOARD_LOCAL_MODEL ?? join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
  console.log('\nlocal model tokens/s (test/bench/llm-local.bench.ts)');
  if (existsSync(model) && process.env.BENCH_SKIP_LOCAL !== '1') {
    const child = spawnSync(process.execPath, ['-r', join(root, 'libs/llm/test/support/swc-register.js'), join(root, 'test/bench/llm-local.bench.ts')], { cwd: root, encoding: 'utf8', timeout: 8 * 60_000 });
    console.log((child.stdout || '').trim() || `  failed: ${child.stderr?.slice(-500)}`);
  } else {
    console.log(`  not run: ${existsSync(model) ? 'BENCH_SKIP_LOCAL=1' : `no model at ${model} (scripts/fetch-model)`}`);
  }
  console.log('\ntokens per case, local model path (`npm run eval -- --model local --k 1` on three scenarios, in a child process)');
  if (existsSync(model) && process.env.BENCH_SKIP_LOCAL !== '1') {
    const out = join(tmpdir(), `switchboard-bench-local-${process.pid}.json`);
    const child = spawnSync(process.execPath, [join(root, 'scripts/eval.js'), '--model', 'local', '--k', '1', '--only', LOCAL_SCENARIOS, '--out', out], { cwd: root, encoding: 'utf8', timeout: 6 * 60_000 });
    if (existsSync(out)) {
      const report = JSON.parse(readFileSync(out, 'utf8')) as { total: { tokensPerCase: number; passK: number; p50Ms: number }; runs: unknown[] };
      const local = [
        info('model tokens per case (gemma-3-270m, triage + resolver)', report.total.tokensPerCase, 'tokens'),
        info('cases', report.runs.length, ''),
        info('pass^1 (each scenario graded on the backend state it leaves, as in npm run eval)', report.total.passK, ''),
        info('p50 time per case', report.total.p50Ms, 'ms'),
      ];
      printFigures('local model path', local);
    } else {
      console.log(`  failed: ${(child.stderr || child.stdout || '').slice(-500)}`);
    }
  } else {
    console.log(`  not run: ${existsSync(model) ? 'BENCH_SKIP_LOCAL=1' : `no model at ${model} (scripts/fetch-model)`}`);
  }
  console.log('tokens per case, Bedrock and Ollama paths: not measured (neither is reachable from this machine; `npm run eval -- --model bedrock|ollama` where they are)');
  const misses = all.flatMap(([, f]) => f.filter((x) => x.ok === false).map((x) => x.name));
  console.log(`\n${misses.length} target(s) missed${misses.length ? `: ${misses.join('; ')}` : ''}; total ${Math.round((Date.now() - t0) / 1000)} s`);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });

/**
 * Switchboard against the peer. Latency: one case in flight (Switchboard through 10 Kafka hops and 5 services, the peer
 * in one process with no broker). Throughput: Switchboard's completed rate in the sustained run (offered beyond its
 * capacity, so it is its capacity) against the peer's closed loop. Commits: whole-database commits per case (gateway,
 * agents and supervisor) in the phase below saturation — under overload, queued steps time out and are retried, which
 * adds commits that are not the cost of a case — against those counted on the peer's pool. Bytes: checkpoint payload.
 */
function sideBySide(runs: Record<string, Figure[]>): Figure[] {
  const [pipeline, sustained, lg] = ['pipeline overhead', 'sustained throughput', 'LangGraph.js peer'].map((prefix) => Object.entries(runs).find(([t]) => t.startsWith(prefix))?.[1] ?? []);
  return [
    atMost('latency p50, one case in flight: Switchboard / peer', valueOf(pipeline!, 'pipeline.p50') / valueOf(lg!, 'peer.p50'), '×', 1.3),
    atLeast('throughput: Switchboard sustained / peer closed loop', valueOf(sustained!, 'throughput') / valueOf(lg!, 'peer.throughput'), '×', 2),
    atMost('Postgres commits per case: Switchboard / peer', valueOf(sustained!, 'commits') / valueOf(lg!, 'peer.commits'), '×', 0.6),
    atMost('checkpoint bytes per case: Switchboard / peer', valueOf(sustained!, 'checkpointBytes') / valueOf(lg!, 'peer.bytes'), '×', 0.5),
    info('all bytes Switchboard stores per case (trace, state, context too) / peer checkpoint bytes', valueOf(sustained!, 'storedBytes') / valueOf(lg!, 'peer.bytes'), '×'),
    // Issue 21's CPU target (0.4 × the figure when it was filed) is judged against the previous release above; this is
    // the other ratio the issue names. Switchboard's side counts every process (the Kafka broker too) in its
    // overloaded sustained run.
    info('CPU per case, all processes: Switchboard sustained / peer closed loop (this process and Postgres)', valueOf(sustained!, 'cpu') / valueOf(lg!, 'peer.cpu'), '×'),
  ];
}
