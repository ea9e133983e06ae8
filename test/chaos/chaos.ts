// `npm run chaos` (builds first): the chaos benchmark (see chaos.bench.ts), or with `--startup` the first-start test.
//   npm run chaos                       # ≥ 500 cases under SIGKILLs, a broker restart and a Postgres outage; prints the table
//   npm run chaos -- --startup          # every service at once on a fresh topic prefix, 10 runs
//   npm run chaos -- --startup --runs 3
// Needs `scripts/infra up`; reads TEST_KAFKA_BROKERS, TEST_DATABASE_URL, TEST_ACME_DATABASE_URL like the tests
// (databases whose name lacks "test" are refused). The broker restart restarts the broker on TEST_KAFKA_BROKERS'
// port with scripts/infra (give the benchmark a broker of its own). Postgres is never stopped: its outage is staged
// with a TCP proxy in front of it.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configureLogging } from '@switchboard/observability';
import { assertTestDatabase, TEST_ACME_DATABASE_URL, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../support/env';
import { chaosRun } from './chaos.bench';
import { startupRuns } from './startup';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next && !next.startsWith('--') ? next : '';
}

async function main(): Promise<number> {
  // The harness's own Kafka clients complain loudly while the broker restarts; that goes to a file, not the table.
  mkdirSync(join(__dirname, '..', '..', 'test-output', 'chaos'), { recursive: true });
  const harnessLog = createWriteStream(join(__dirname, '..', '..', 'test-output', 'chaos', 'harness.log'), { flags: 'a' });
  configureLogging({ level: 'warn', sink: (line) => harnessLog.write(`${line}\n`) });
  assertTestDatabase(TEST_DATABASE_URL);
  assertTestDatabase(TEST_ACME_DATABASE_URL);
  const common = { brokers: TEST_KAFKA_BROKERS.join(','), databaseUrl: TEST_DATABASE_URL, acmeDatabaseUrl: TEST_ACME_DATABASE_URL };
  if (flag('startup') !== undefined) {
    const ok = await startupRuns({ ...common, runs: Number(flag('runs') || 10), readyTimeoutMs: Number(flag('ready-timeout') || 120) * 1000 });
    return ok ? 0 : 1;
  }
  const ok = await chaosRun({
    ...common,
    cases: Number(flag('cases') || 500),
    rate: Number(flag('rate') || 5),
    kills: Number(flag('kills') || 12),
    pgOutageSeconds: Number(flag('pg-outage') || 60),
    brokerRestart: flag('no-broker-restart') === undefined,
  });
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
