// One open-loop run of a release's pipeline, in its own process, for the previous-release benchmark
// (test/bench/previous-release.bench.ts). The release is the checkout at argv[2]; this process is started with that
// checkout's swc-register, so `@switchboard/*` resolves to that release's libs, and its World, stack and supervisor
// build are used. The driver (open-loop.ts, proc-cpu.ts) is this checkout's, so both releases are measured by the same
// code on the same schedule: a warm-up at the rate, unmeasured, then the measured phase.
// Env: TEST_DATABASE_URL / TEST_ACME_DATABASE_URL (fresh databases, set by the parent), RELEASE_RATE, RELEASE_WARM_SECONDS,
// RELEASE_SECONDS. Prints one line `RESULT <json>`.
import { join } from 'node:path';
import { OpenLoop, cpuAllProcesses } from './open-loop';
import type { World as WorldType } from '../../scenarios/support/world';
import { percentile } from './figures';

interface ReleaseModules {
  world: { World: { start(name: string, llm: unknown, policyYaml: string, options: { supervisorProcess: boolean }): Promise<WorldType> } };
  scenario: { policyYaml(name: string): string };
  model: { scriptedSupportModel(): unknown };
  llm: { ScriptedLlm: new (script: unknown) => unknown };
  logging: { configureLogging(options: { level: string }): void };
}

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root) throw new Error('usage: release-run.ts <checkout root>');
  const rate = Number(process.env.RELEASE_RATE ?? 30);
  const warm = Number(process.env.RELEASE_WARM_SECONDS ?? 15);
  const seconds = Number(process.env.RELEASE_SECONDS ?? 30);
  // By path at run time: the modules are the checkout's under test, not this one's (type-only imports cannot say that).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(path: string): T => require(path) as T;
  const m: ReleaseModules = {
    world: load(join(root, 'test/scenarios/support/world')),
    scenario: load(join(root, 'test/scenarios/support/scenario')),
    model: load(join(root, 'test/support/scripted-support-model')),
    llm: load('@switchboard/llm/testing'),
    logging: load('@switchboard/observability'),
  };
  m.logging.configureLogging({ level: 'error' });
  const world = await m.world.World.start(`bench-release-${Date.now().toString(36)}`, new m.llm.ScriptedLlm(m.model.scriptedSupportModel()), m.scenario.policyYaml('autonomous'), { supervisorProcess: true });
  const loop = await OpenLoop.start(world, 'rel', { 'supervisor process': world.stack.supervisorPid });
  try {
    await loop.warmUp();
    await loop.phase(rate, warm, []);
    const r = await loop.phase(rate, seconds, []);
    console.log(`RESULT ${JSON.stringify({
      offered: r.total / r.sendSeconds, completed: r.done / r.elapsed, done: r.done, lost: r.lost,
      p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99),
      cpu: cpuAllProcesses(r), byProcess: r.byProcess, commits: r.commitsPerCase,
    })}`);
  } finally {
    await loop.stop();
    await world.close();
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
