// Fresh databases for benchmarks. The shared test database keeps every row the test suites and earlier benchmarks
// wrote (on a long-lived machine, gigabytes of sent outbox rows that a deployment's retention would have deleted), so a
// figure measured on it says as much about that database's history as about the build. A benchmark run measures on
// databases created empty for it instead, from the same server and role as the test database.
import { Pool } from 'pg';
import { TEST_ACME_DATABASE_URL, TEST_DATABASE_URL } from '../../support/env';

const NAME = /^[a-z_][a-z0-9_]*$/;

/** `url` with its database name replaced. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops and creates the database `name` on the server of `adminUrl` (connected to as that URL's role) and returns its
 * URL. Refuses a name without "test" in it: only databases made for tests and benchmarks are ever dropped.
 *
 * @example
 * const url = await recreateDatabase(TEST_DATABASE_URL, 'switchboard_bench_test');
 */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  if (!NAME.test(name) || !name.includes('test')) throw new Error(`refusing to recreate database "${name}": the name must be a plain identifier containing "test"`);
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    // Not WITH (FORCE): that also terminates autovacuum workers, which only a superuser may. A plain DROP stops them
    // itself and waits a little for other sessions; the previous run's connections may still be closing, so retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt === 30) throw error; // object_in_use
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

/** The switchboard and acme databases of a benchmark, created empty (`<prefix>_test`, `acme_<prefix>_test`). */
export async function freshBenchDatabases(prefix: string, base = { main: TEST_DATABASE_URL, acme: TEST_ACME_DATABASE_URL }): Promise<{ main: string; acme: string }> {
  return {
    main: await recreateDatabase(base.main, `${prefix}_test`),
    acme: await recreateDatabase(base.acme, `acme_${prefix}_test`),
  };
}
