// Fresh databases for benchmarks. The shared test database keeps every row the test suites and earlier benchmarks
// wrote (on a long-lived machine, gigabytes of sent outbox rows that a deployment's retention would have deleted), so a
// figure measured on it says as much about that database's history as about the build. A benchmark run measures on
// databases created empty for it instead, from the same server and role as the test database.
import { TEST_ACME_DATABASE_URL, TEST_DATABASE_URL } from '../../support/env';
import { recreateDatabase } from '../../support/databases';

/** The switchboard and acme databases of a benchmark, created empty (`<prefix>_test`, `acme_<prefix>_test`). */
export async function freshBenchDatabases(prefix: string, base = { main: TEST_DATABASE_URL, acme: TEST_ACME_DATABASE_URL }): Promise<{ main: string; acme: string }> {
  return {
    main: await recreateDatabase(base.main, `${prefix}_test`),
    acme: await recreateDatabase(base.acme, `acme_${prefix}_test`),
  };
}
