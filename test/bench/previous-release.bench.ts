// This build against the release issue 21 was filed on, in the same run on the same machine: the issue states its
// CPU target as 0.4 × "today's figure measured in the same environment", and a figure from another day or machine is not
// that (these machines' speed moves by 2× within hours). The previous release is checked out from this repository's
// history into a cache directory and built there; then both releases run the same open loop (release-run.ts: the same
// driver, the same how-to case through every hop, the zero-latency scripted model, the supervisor in its own process),
// each on databases created empty for the run, in ABBA order so drift lands on both. Printed: CPU per case of every
// process (Kafka and Postgres included), p50 and p99 latency, commits per case, each release's median over its runs.
// Not like for like in work: the previous release does less per case (no triage encoder or its example vote, no
// procedures, an older gateway), so the ratio is what the build costs now, not what the same work costs.
// Run: npm run bench:previous (builds this checkout first)
//   BENCH_PREVIOUS_REF (default 978e988, the last commit before issue 21 was filed), BENCH_PREVIOUS_RATE (cases/s,
//   default 30), BENCH_PREVIOUS_SECONDS (measured, default 30), BENCH_PREVIOUS_WARM_SECONDS (default 15),
//   BENCH_PREVIOUS_ROUNDS (ABBA rounds, default 1: each release runs twice)
//   BENCH_PREVIOUS_AS_SHIPPED=1 runs the previous release as it shipped rather than on this build's runtime: on Node 20
//   (BENCH_PREVIOUS_NODE, default the first node on PATH older than 24, else /usr/bin/node) and with kafkajs's own
//   request queue (support/kafkajs-upstream.js undoes patches/kafkajs+2.2.4.patch in its processes). Without it both
//   releases run on this process's Node and the patched kafkajs, so the ratio compares the code alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { alternate, atMost, info, printFigures, type Figure } from './support/figures';
import { median, positive, prepareRelease, ROOT, runRelease, type ReleaseRuntime, type RunResult } from './support/release-runner';

/** The last commit before issue 21 was filed (2026-12-01); the figures the issue quotes were measured on 3e69018, just before it. */
export const DEFAULT_PREVIOUS_REF = '978e988';

/** The Node.js binary the previous release shipped on (Node 20): BENCH_PREVIOUS_NODE, else the first older than 24 on PATH. */
function shippedNode(): string {
  if (process.env.BENCH_PREVIOUS_NODE) return process.env.BENCH_PREVIOUS_NODE;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const node = join(dir, 'node');
    if (!existsSync(node)) continue;
    const major = Number(spawnSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());
    if (major > 0 && major < 24) return node;
  }
  if (existsSync('/usr/bin/node')) return '/usr/bin/node';
  throw new Error('BENCH_PREVIOUS_AS_SHIPPED=1 needs the Node 20 binary: set BENCH_PREVIOUS_NODE');
}

/** The Node major version of a binary, for the output. */
function nodeVersion(node: string): string {
  return spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
}

export async function run(): Promise<Figure[]> {
  const ref = process.env.BENCH_PREVIOUS_REF ?? DEFAULT_PREVIOUS_REF;
  const rate = positive('BENCH_PREVIOUS_RATE', 30);
  const seconds = positive('BENCH_PREVIOUS_SECONDS', 30);
  const warm = positive('BENCH_PREVIOUS_WARM_SECONDS', 15);
  const rounds = positive('BENCH_PREVIOUS_ROUNDS', 1);
  if (!existsSync(join(ROOT, 'dist', 'apps', 'supervisor', 'src', 'main.js'))) throw new Error('this checkout is not built: npm run build first');
  const previous = prepareRelease(ref);
  const env = { RELEASE_RATE: String(rate), RELEASE_SECONDS: String(seconds), RELEASE_WARM_SECONDS: String(warm) };
  const asShipped = process.env.BENCH_PREVIOUS_AS_SHIPPED === '1';
  const previousRuntime: ReleaseRuntime = asShipped ? { node: shippedNode(), preload: join(__dirname, 'support', 'kafkajs-upstream.js') } : {};
  const runtimes = `previous release on Node ${nodeVersion(previousRuntime.node ?? process.execPath)}${asShipped ? ' with kafkajs unpatched (as shipped)' : ' with the patched kafkajs'}, this build on ${process.version} with patched kafkajs`;
  // ABBA per round: previous, this build, this build, previous.
  const ab = await alternate(2 * rounds, 1, () => runRelease(previous, `previous release ${ref}`, env, undefined, previousRuntime), () => runRelease(ROOT, 'this build', env));
  const runs = { previous: ab.baseline, current: ab.system };
  const m = (which: RunResult[], f: (r: RunResult) => number) => median(which.map(f));
  const cpuPrev = m(runs.previous, (r) => r.cpu), cpuNow = m(runs.current, (r) => r.cpu);
  const groups = runs.current[0]!.byProcess.map(([name]) => name);
  const byGroup = (which: RunResult[], name: string) => m(which, (r) => r.byProcess.find(([n]) => n === name)?.[1] ?? NaN);
  return [
    info(`${rate} cases/s for ${seconds} s after ${warm} s of warm-up, median of ${2 * rounds} runs each, fresh databases per run`, NaN, ''),
    info(runtimes, NaN, ''),
    info('previous release: CPU per case, all processes', cpuPrev, 'ms'),
    info('this build: CPU per case, all processes', cpuNow, 'ms'),
    atMost('CPU per case: this build / previous release', cpuNow / cpuPrev, '×', 0.4),
    ...groups.map((g) => info(`  ${g.replace(/ \(.*\)$/, '')}: this build (previous release)`, byGroup(runs.current, g), `ms (${byGroup(runs.previous, g).toFixed(1)} ms)`)),
    info('previous release: p50 / p99 latency', m(runs.previous, (r) => r.p50), `ms / ${m(runs.previous, (r) => r.p99).toFixed(0)} ms`),
    info('this build: p50 / p99 latency', m(runs.current, (r) => r.p50), `ms / ${m(runs.current, (r) => r.p99).toFixed(0)} ms`),
    info('p99: this build / previous release', m(runs.current, (r) => r.p99) / m(runs.previous, (r) => r.p99), '×'),
    info('Postgres commits per case: previous release / this build', m(runs.previous, (r) => r.commits), `/ ${m(runs.current, (r) => r.commits).toFixed(2)}`),
    atMost('lost, all runs', [...runs.previous, ...runs.current].reduce((a, r) => a + r.lost, 0), 'cases', 0),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures(`this build against the previous release (${process.env.BENCH_PREVIOUS_REF ?? DEFAULT_PREVIOUS_REF}), same machine, same run`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
