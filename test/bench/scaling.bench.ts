// The scaling curve: the same open loop (the throughput benchmark's how-to case, every agent hop, zero-latency scripted
// model) with 1, 2 and 4 replicas — supervisor processes in one consumer group (node dist/apps/supervisor, as
// deployed) and instances of each agent app in one consumer group per agent. The one-replica run is the same-run
// baseline of the others. What it measures on this machine: how throughput, latency and CPU per case move when
// replicas are added on the same cores. The agents' instances share the benchmark process (one Node thread), so only
// the supervisor's replicas add processes; the figures say where the CPU went.
// Run: npm run build && node -r ./libs/llm/test/support/swc-register.js test/bench/scaling.bench.ts
//   BENCH_REPLICAS (default 1,2,4), BENCH_RATE (offered cases/s, default 120), BENCH_SECONDS (default 30),
//   BENCH_WARM_SECONDS (default 30): each stack runs unmeasured at BENCH_WARM_RATE (default 20 cases/s, below one
//   replica's saturation) for that long first, so the first run does not measure the freshly started broker's JIT
//   warm-up and the later ones a warmer broker (docs/evaluation.md, "A freshly started broker")
import { cpus } from 'node:os';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { World } from '../scenarios/support/world';
import { policyYaml } from '../scenarios/support/scenario';
import { info, percentile, printFigures, type Figure } from './support/figures';
import { cpuAllProcesses, OpenLoop, type PhaseResult } from './support/open-loop';
import { positive } from './support/release-runner';

export async function run(): Promise<Figure[]> {
  const replicas = (process.env.BENCH_REPLICAS ?? '1,2,4').split(',').map(Number);
  if (replicas.some((n) => !Number.isInteger(n) || n < 1 || n > 6)) throw new Error('BENCH_REPLICAS: whole numbers 1–6, comma-separated (topics have 6 partitions)');
  const rate = positive('BENCH_RATE', 120);
  const seconds = positive('BENCH_SECONDS', 30);
  const warmSeconds = Number(process.env.BENCH_WARM_SECONDS ?? 30);
  const warmRate = positive('BENCH_WARM_RATE', 20);
  if (!Number.isFinite(warmSeconds) || warmSeconds < 0) throw new Error(`BENCH_WARM_SECONDS must be 0 or more, got ${process.env.BENCH_WARM_SECONDS}`);
  const results: Array<[number, PhaseResult]> = [];
  for (const n of replicas) {
    console.log(`[scaling] ${n} replica(s): starting the stack`);
    const world = await World.start(`bench-scaling-${n}-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'), {
      supervisorProcess: true, supervisorReplicas: n, agentReplicas: n,
    });
    const loop = await OpenLoop.start(world, `sc${n}`, Object.fromEntries(world.stack.supervisorPids.map((pid, i) => [`supervisor replica ${i + 1}`, pid])));
    try {
      await loop.warmUp();
      if (warmSeconds > 0) {
        console.log(`[scaling] ${n} replica(s): warming up, ${warmRate} cases/s for ${warmSeconds} s, not measured`);
        await loop.phase(warmRate, warmSeconds, []);
      }
      console.log(`[scaling] ${n} replica(s): ${rate} cases/s for ${seconds} s`);
      results.push([n, await loop.phase(rate, seconds, [])]);
    } finally {
      await loop.stop();
      await world.close();
    }
  }
  const base = results[0]![1];
  const throughput = (r: PhaseResult) => r.done / r.elapsed;
  return [
    info(`offered rate ${rate} cases/s for ${seconds} s per run, after ${warmSeconds} s at ${warmRate} cases/s unmeasured; ${cpus().length} CPU cores; baseline: the ${results[0]![0]}-replica run`, NaN, ''),
    ...results.flatMap(([n, r]) => {
      const supervisors = r.byProcess.filter(([name]) => name.startsWith('supervisor replica')).reduce((a, [, ms]) => a + ms, 0);
      const rest = r.byProcess.filter(([name]) => !name.startsWith('supervisor replica'));
      return [
        info(`${n} replica(s): completed throughput`, throughput(r), 'cases/s'),
        info(`  × the baseline's throughput`, throughput(r) / throughput(base), '×'),
        info('  p50 latency, ticket → outcome', percentile(r.latencies, 50), 'ms'),
        info('  p99 latency', percentile(r.latencies, 99), 'ms'),
        info('  lost', r.lost, 'cases'),
        info('  CPU per case, all processes', cpuAllProcesses(r), 'ms'),
        info(`  CPU per case, the ${n} supervisor process(es)`, supervisors, 'ms'),
        ...rest.map(([name, ms]) => info(`  CPU per case, ${name}`, ms, 'ms')),
        info('  Postgres commits per case', r.commitsPerCase, 'commits'),
      ];
    }),
  ];
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures('scaling curve: 1, 2, 4 replicas of the supervisor and of each agent', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
