// Databases made for tests and benchmarks beside the shared test database, on the same server and as the same role.
import { Pool } from 'pg';

const NAME = /^[a-z_][a-z0-9_]*$/;

/** `url` with its database name replaced. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops the database `name` on the server of `adminUrl` (connected to as that URL's role), if it exists. Refuses a
 * name without "test" in it: only databases made for tests and benchmarks are ever dropped.
 *
 * @example
 * await dropDatabase(TEST_DATABASE_URL, 'switchboard_test_share_1a2b3c4d');
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!NAME.test(name) || !name.includes('test')) throw new Error(`refusing to drop database "${name}": the name must be a plain identifier containing "test"`);
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    // Not WITH (FORCE): that also terminates autovacuum workers, which only a superuser may. A plain DROP stops them
    // itself and waits a little for other sessions; connections closed a moment ago may still be leaving, so retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt === 30) throw error; // object_in_use
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await admin.end();
  }
}

/**
 * Drops and creates the database `name` (see {@link dropDatabase}) and returns its URL.
 *
 * @example
 * const url = await recreateDatabase(TEST_DATABASE_URL, 'switchboard_bench_test');
 */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}
