// `npm run eval:hostile -- [--count 1200] [--seed 17] [--settle-seconds 300]`: generated hostile tickets over HTTP and
// straight to Kafka against the whole pipeline, every intent autonomous (test/support/hostile-run.ts); prints where every input ended and
// exits 0 only when each one was refused with a reason or became a case that settled, with no crash.
// Needs `scripts/infra up` (Kafka + Postgres) and migrated test databases (TEST_DATABASE_URL, TEST_KAFKA_BROKERS).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configureLogging } from '@switchboard/observability';
import { findRepoRoot, migrateAll } from '@switchboard/store';
import { assertTestDatabase, TEST_ACME_DATABASE_URL, TEST_DATABASE_URL } from '../support/env';
import { runHostile, summarize } from '../support/hostile-run';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '1200' }, seed: { type: 'string', default: '17' }, 'settle-seconds': { type: 'string', default: '300' } } });
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 2 || !Number.isInteger(seed)) {
    process.stderr.write('usage: npm run eval:hostile -- [--count N ≥ 2] [--seed N] [--settle-seconds N]\n');
    return 64;
  }
  configureLogging({ level: 'error' });
  // Like test/support/global-setup.ts: test databases only, every component's migrations applied first.
  assertTestDatabase(TEST_DATABASE_URL);
  assertTestDatabase(TEST_ACME_DATABASE_URL);
  await migrateAll({ root: findRepoRoot(__dirname), databaseUrl: TEST_DATABASE_URL, acmeDatabaseUrl: TEST_ACME_DATABASE_URL });
  // Every intent autonomous (the scenario suite's policy), so hostile text reaches the resolver, the gateway and the verifier.
  const policyYaml = readFileSync(join(__dirname, '..', 'scenarios', 'policies', 'autonomous.yaml'), 'utf8');
  const report = await runHostile({ count, seed, policyYaml, settleTimeoutMs: Number(values['settle-seconds']) * 1000, log: (l) => process.stderr.write(`${l}\n`) });
  const { lines, pass } = summarize(report);
  process.stdout.write(`${lines.join('\n')}\n`);
  return pass ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`hostile evaluation failed to run: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
});
