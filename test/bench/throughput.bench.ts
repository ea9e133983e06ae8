// Sustained throughput, open loop: tickets are published at a fixed rate whatever the pipeline's progress, for a fixed
// time, and every case must reach its outcome (nothing lost). The case is the how-to question of the overhead
// benchmark (every agent hop, verified reply, zero-latency scripted model). Alongside latency it reports what each case
// costs: CPU of this process (the whole pipeline runs in it), Postgres commits, and Kafka records per case.
// The supervisor runs as its own process from dist (as deployed; `npm run build` first; BENCH_SUPERVISOR_PROCESS=0 keeps it
// in the benchmark process), so CPU per case is reported per process, Kafka broker and Postgres included.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/throughput.bench.ts
//   BENCH_CPU_PROFILE=<file.cpuprofile> keeps the benchmark process's V8 profile; STACK_SUPERVISOR_NODE_ARGS="--cpu-prof
//   --cpu-prof-dir=<dir>" makes the supervisor process write its own when it exits (test/support/stack.ts)
//   BENCH_RATE (cases/s, default 100; run-all offers twice the peer's rate), BENCH_SECONDS (default 60; run-all 300)
//   BENCH_WORLD_OBSERVER=1 keeps the scenario World's grading observer running (stopped by the driver since 2026-12-07:
//   support/open-loop.ts, stopGradingObserver), for a same-run comparison with the measurement before
//   BENCH_CASE_TIMES=<file> writes each case of the measured 30 cases/s phase as a line "<send time, ISO> <latency ms>",
//   to set slow cases beside other instruments' clocks (a sampler of the broker's CPU or its JVM counters)
//   Phases: warm-up, BENCH_WARM_SECONDS (45) at BENCH_SUSTAINABLE_RATE (30) unmeasured, the same rate for
//   BENCH_SUSTAINABLE_SECONDS (20) measured (the p99 target), again with the CPU profiler, then the load curve (each
//   rate of BENCH_LOAD_CURVE, default 10,20 cases/s, for BENCH_SUSTAINABLE_SECONDS: where the p99 target holds), then
//   the overloaded run.
import { writeFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { STACK_KEYS } from '../support/stack';
import { World } from '../scenarios/support/world';
import { policyYaml } from '../scenarios/support/scenario';
import { tokensPerCase } from './pipeline-overhead.bench';
import { CpuProfiler } from './support/cpu-profile';
import { cpuAllProcesses, OpenLoop, slowRuns, STALL_MS, type PhaseResult } from './support/open-loop';
import { atMost, info, keyed, percentile, printFigures, type Figure } from './support/figures';

const SUSTAINABLE_RATE = Number(process.env.BENCH_SUSTAINABLE_RATE ?? 30);
const SUSTAINABLE_SECONDS = Number(process.env.BENCH_SUSTAINABLE_SECONDS ?? 20);
/**
 * Long enough for a broker started minutes before (`scripts/infra reset`, a CI machine) to compile its hot paths: on
 * this 2-core machine a fresh broker's JIT compiler took 12-14 s of compile time during a 20 s phase after a 5 s
 * warm-up, and 1.1-1.3 s after a 45 s one (docs/evaluation.md, "What a p99 miss at 30 cases/s is").
 */
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 45);
/** Lighter rates than the sustainable one, each measured like it: latency against load, and the cores it keeps busy. */
const LOAD_CURVE = (process.env.BENCH_LOAD_CURVE ?? '10,20').split(',').map((r) => r.trim()).filter(Boolean).map(Number);
if (LOAD_CURVE.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`BENCH_LOAD_CURVE must list rates in cases/s, e.g. 10,20; got ${process.env.BENCH_LOAD_CURVE}`);
/** Kafka records one case produces: ticket, 4 tasks, 4 results, outcome, reply. */
const RECORDS_PER_CASE = 11;

/** Payload bytes stored per case, measured like the peer's (octet_length of the JSON text). */
async function storedBytes(pool: Pool, caseIds: string[]): Promise<{ checkpoints: number; all: number }> {
  const { rows } = await pool.query<{ checkpoints: number; all: number }>(
    `WITH ids AS (SELECT unnest($1::text[]) AS case_id),
          c AS (SELECT sum(octet_length(delta::text)) AS b FROM supervisor.checkpoints WHERE case_id IN (SELECT case_id FROM ids)),
          s AS (SELECT sum(octet_length(state::text) + octet_length(ticket::text) + octet_length(context::text)) AS b FROM supervisor.cases WHERE case_id IN (SELECT case_id FROM ids)),
          t AS (SELECT sum(octet_length(data::text)) AS b FROM supervisor.trace WHERE case_id IN (SELECT case_id FROM ids)),
          r AS (SELECT sum(octet_length(reason) + octet_length(from_status) + octet_length(to_status)) AS b FROM supervisor.transitions WHERE case_id IN (SELECT case_id FROM ids))
     SELECT (c.b / n)::float8 AS checkpoints, ((c.b + s.b + t.b + r.b) / n)::float8 AS all
       FROM c, s, t, r, (SELECT greatest(count(*), 1) AS n FROM ids) k`,
    [caseIds],
  );
  return rows[0]!;
}

/** Cores the whole stack kept busy in a phase: CPU per case of every process × cases completed / wall time. */
function coresBusy(r: PhaseResult): number {
  return (cpuAllProcesses(r) * r.done) / (r.elapsed * 1000);
}

export async function run(): Promise<Figure[]> {
  // Read at run time: run-all sets the 5-minute default after this module was loaded.
  const RATE = Number(process.env.BENCH_RATE ?? 100);
  const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
  const separate = process.env.BENCH_SUPERVISOR_PROCESS !== '0';
  const world = await World.start(`bench-throughput-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'), { supervisorProcess: separate });
  const loop = await OpenLoop.start(world, 'tp', separate ? { 'supervisor process (node dist/apps/supervisor)': world.stack.supervisorPid } : {}, separate && world.stack.supervisorUrl ? { url: world.stack.supervisorUrl, metricsKey: STACK_KEYS.supervisorMetrics } : undefined);
  const stats = loop.stats;
  const phase = (rate: number, seconds: number, measured: string[]) => loop.phase(rate, seconds, measured);
  try {
    await loop.warmUp(); // not measured
    // Then the sustainable rate for a while, not measured either: JIT, pools, the agents' models and the broker's
    // first use of new topics and groups settle (the first seconds of a fresh stack queue for seconds).
    await phase(SUSTAINABLE_RATE, WARM_SECONDS, []);

    // Below saturation first, on the fresh stack: a rate it sustains, unprofiled (the latency target), then the same
    // rate with the CPU profiler on (where the CPU goes). Measured after the overloaded run instead, as this bench once
    // did, the phase timed the recovery from it (tens of thousands of new rows to vacuum, retried steps still due).
    const easy = await phase(SUSTAINABLE_RATE, SUSTAINABLE_SECONDS, []);
    if (process.env.BENCH_CASE_TIMES) {
      writeFileSync(process.env.BENCH_CASE_TIMES, easy.bySendTime.map(([sentAt, ms]) => `${new Date(performance.timeOrigin + sentAt).toISOString()} ${ms.toFixed(1)}\n`).join(''));
    }
    const profiler = new CpuProfiler();
    await profiler.start();
    const profiled = await phase(SUSTAINABLE_RATE, SUSTAINABLE_SECONDS, []);
    const cpu = await profiler.stop();
    const cpuTotal = cpu.reduce((a, [, ms]) => a + ms, 0);
    const curve: Array<[number, PhaseResult]> = [];
    for (const rate of LOAD_CURVE) curve.push([rate, await phase(rate, SUSTAINABLE_SECONDS, [])]);

    const measured: string[] = [];
    const main = await phase(RATE, SECONDS, measured);
    const bytes = await storedBytes(stats, measured);
    const { rows: statuses } = await stats.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM supervisor.cases WHERE case_id = ANY($1) GROUP BY status ORDER BY status', [measured]);
    const tokens = await tokensPerCase(world, measured.slice(0, 2000));
    const easySlow = slowRuns(easy, 250);
    return [
      info('offered rate', main.total / main.sendSeconds, 'cases/s'),
      // Its target is relative, against the peer's closed loop (run-all's side-by-side figures, issue 21).
      keyed('throughput', info('completed throughput (cases / time to last outcome)', main.done / main.elapsed, 'cases/s')),
      info('completed during the sending window', main.inWindow / main.sendSeconds, 'cases/s'),
      info('time from the last send to the last outcome', main.elapsed - main.sendSeconds, 's'),
      info('p50 latency, ticket → outcome', percentile(main.latencies, 50), 'ms'),
      info('p99 latency, ticket → outcome (overloaded: queueing)', percentile(main.latencies, 99), 'ms'),
      atMost(`lost (no outcome, after ${STALL_MS / 1000} s without progress)`, main.lost, 'cases', 0),
      info(`final status of the cases: ${statuses.map((r) => `${r.status} ${r.n}`).join(', ')} (queueing beyond a step deadline times steps out and retries them)`, NaN, ''),
      info(`CPU per case by process (${separate ? 'the supervisor in its own process, as deployed; the rest in the benchmark process' : 'every service in the benchmark process'}):`, NaN, ''),
      ...main.byProcess.map(([name, ms]) => info(`  ${name}`, ms, 'ms')),
      keyed('cpu', info('  all processes', cpuAllProcesses(main), 'ms')),
      info('Postgres commits per case (whole database)', main.commitsPerCase, 'commits'),
      info('Kafka records per case', RECORDS_PER_CASE, 'records'),
      keyed('checkpointBytes', info('checkpoint bytes per case (supervisor.checkpoints deltas)', bytes.checkpoints, 'B')),
      keyed('storedBytes', info('bytes per case in all case tables (state, ticket, context, checkpoints, transitions, trace)', bytes.all, 'B')),
      info('model tokens per case (scripted model)', tokens, 'tokens'),
      info(`below saturation (${SUSTAINABLE_RATE} cases/s for ${SUSTAINABLE_SECONDS} s, before the run above): completed`, easy.done / easy.elapsed, 'cases/s'),
      info('  p50 latency', percentile(easy.latencies, 50), 'ms'),
      atMost('  p99 latency', percentile(easy.latencies, 99), 'ms', 250),
      // Whether a p99 miss was a stall (short runs of slow cases) or a backlog (every case slow for a while).
      info(`  cases over 250 ms: ${easySlow.over} of ${easy.done}; the longest run of them sent one after another, over ${easySlow.longestSeconds.toFixed(1)} s`, easySlow.longest, 'cases'),
      ...easy.loopDelayMaxMs.map(([name, ms]) => info(`  longest event-loop delay, ${name} (a blocked loop shows here)`, ms, 'ms')),
      info('  lost', easy.lost, 'cases'),
      keyed('commits', info('  Postgres commits per case (whole database; no step timed out here)', easy.commitsPerCase, 'commits')),
      ...easy.byProcess.map(([name, ms]) => info(`  CPU per case, ${name}`, ms, 'ms')),
      info('  cores busy (CPU of every process / wall time)', coresBusy(easy), 'cores'),
      info(`  the same rate again with the CPU profiler on: p50 / p99 ${percentile(profiled.latencies, 50).toFixed(0)} / ${percentile(profiled.latencies, 99).toFixed(0)} ms, lost`, profiled.lost, 'cases'),
      info('  CPU per case in the benchmark process by component (V8 samples charged to the nearest apps/ or libs/ frame):', NaN, ''),
      ...cpu.slice(0, 10).map(([name, ms]) => info(`    ${name}`, (ms / cpuTotal) * profiled.cpuPerCase, 'ms')),
      ...curve.flatMap(([rate, r]) => [
        info(`load curve, ${rate} cases/s for ${SUSTAINABLE_SECONDS} s (after the profiled phase): p50 ${percentile(r.latencies, 50).toFixed(0)} ms, lost ${r.lost}, p99`, percentile(r.latencies, 99), 'ms'),
        info('  cores busy', coresBusy(r), 'cores'),
      ]),
    ];
  } finally {
    await loop.stop();
    await world.close();
  }
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures(`sustained throughput, open loop at ${process.env.BENCH_RATE ?? 100} cases/s for ${process.env.BENCH_SECONDS ?? 60} s`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
