// What the shared test database's history does to the benchmark figures: this build's open loop (release-run.ts, the
// previous-release benchmark's driver) on the test database as it is, against the same on databases created empty for
// the run, in ABBA order. On a machine that has run the suites for days the test database holds gigabytes of rows a
// deployment's retention would have deleted (published outbox rows above all), and `npm run bench` measured on it
// until 2026-12-06; it now measures on fresh databases (run-all.ts), and this says how much that moves the figures.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/database-age.bench.ts (after npm run build)
//   BENCH_AGE_RATE (cases/s, default 30), BENCH_AGE_SECONDS (default 30), BENCH_AGE_WARM_SECONDS (default 15),
//   BENCH_AGE_ROUNDS (ABBA rounds, default 1)
import { Pool } from 'pg';
import { TEST_ACME_DATABASE_URL, TEST_DATABASE_URL } from '../support/env';
import { alternate, info, printFigures, type Figure } from './support/figures';
import { median, positive, ROOT, runRelease, type RunResult } from './support/release-runner';

export async function run(): Promise<Figure[]> {
  const rate = positive('BENCH_AGE_RATE', 30);
  const seconds = positive('BENCH_AGE_SECONDS', 30);
  const warm = positive('BENCH_AGE_WARM_SECONDS', 15);
  const rounds = positive('BENCH_AGE_ROUNDS', 1);
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  let size: { bytes: number; cases: number; outbox: number };
  try {
    const { rows } = await pool.query<{ bytes: string; cases: string; outbox: string }>(
      `SELECT pg_database_size(current_database())::text AS bytes,
              (SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('supervisor.cases'))::text AS cases,
              (SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('public.outbox'))::text AS outbox`);
    size = { bytes: Number(rows[0]!.bytes), cases: Number(rows[0]!.cases ?? 0), outbox: Number(rows[0]!.outbox ?? 0) };
  } finally {
    await pool.end();
  }
  const env = { RELEASE_RATE: String(rate), RELEASE_SECONDS: String(seconds), RELEASE_WARM_SECONDS: String(warm) };
  const shared = { main: TEST_DATABASE_URL, acme: TEST_ACME_DATABASE_URL };
  // ABBA per round: shared, fresh, fresh, shared.
  const ab = await alternate(2 * rounds, 1, () => runRelease(ROOT, 'shared test database', env, shared), () => runRelease(ROOT, 'fresh databases', env));
  const runs = { shared: ab.baseline, fresh: ab.system };
  const m = (which: RunResult[], f: (r: RunResult) => number) => median(which.map(f));
  const postgres = (r: RunResult) => r.byProcess.find(([n]) => n.startsWith('Postgres'))?.[1] ?? NaN;
  return [
    info(`${rate} cases/s for ${seconds} s after ${warm} s of warm-up, median of ${2 * rounds} runs each`, NaN, ''),
    info(`shared test database: ${(size.bytes / 2 ** 30).toFixed(1)} GB, about ${size.cases.toLocaleString('en')} cases and ${size.outbox.toLocaleString('en')} outbox rows`, NaN, ''),
    info('p50 latency: shared / fresh', m(runs.shared, (r) => r.p50), `ms / ${m(runs.fresh, (r) => r.p50).toFixed(0)} ms`),
    info('p99 latency: shared / fresh', m(runs.shared, (r) => r.p99), `ms / ${m(runs.fresh, (r) => r.p99).toFixed(0)} ms`),
    info('CPU per case, all processes: shared / fresh', m(runs.shared, (r) => r.cpu), `ms / ${m(runs.fresh, (r) => r.cpu).toFixed(1)} ms`),
    info('  Postgres: shared / fresh', m(runs.shared, postgres), `ms / ${m(runs.fresh, postgres).toFixed(1)} ms`),
    info('lost, all runs', [...runs.shared, ...runs.fresh].reduce((a, r) => a + r.lost, 0), 'cases'),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures('the shared test database against fresh ones (this build, same run)', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
