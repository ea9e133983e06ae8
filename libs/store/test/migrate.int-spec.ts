// Real: Postgres (a throwaway database), the migrate command run as a child process. Doubles: none.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { findMigrationTargets, findRepoRoot, readMigrations } from '@switchboard/store';
import { spawnTs } from '../../bus/test/support/kit';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../test/support/env';

jest.setTimeout(30_000);

describe('migrate command (real Postgres)', () => {
  const name = `switchboard_migrate_test_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });

  beforeAll(async () => {
    assertTestDatabase(url.toString());
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    // FORCE cannot end an autovacuum worker that happens to be in the fresh database (it runs as the bootstrap
    // superuser: 42501); it is done within moments, so try again rather than fail the suite on Postgres's timing.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '42501' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await admin.end();
  });

  async function migrate(): Promise<string[]> {
    const run = spawnTs('libs/store/src/cli/migrate.ts', [], { DATABASE_URL: url.toString() });
    expect(await run.exited).toBe(0);
    return run.lines;
  }

  it('applies every lib and app migration folder in order, prints what it applied, then nothing the second time', async () => {
    const expected = findMigrationTargets(findRepoRoot())
      .filter((t) => t.database === 'main')
      .flatMap((t) => readMigrations(t.dir).map((m) => `applied ${t.component} ${String(m.version).padStart(3, '0')}_${m.name} (DATABASE_URL)`));
    expect(expected).toEqual(expect.arrayContaining(['applied store 001_processed_messages (DATABASE_URL)', 'applied store 002_outbox (DATABASE_URL)']));

    const first = await migrate();
    expect(first.filter((l) => l.startsWith('applied'))).toEqual(expected);
    expect(first).toContain(`${expected.length} migration(s) applied`);

    const db = new Pool({ connectionString: url.toString(), max: 1 });
    try {
      const { rows } = await db.query("SELECT to_regclass('public.outbox') AS outbox, to_regclass('public.processed_messages') AS ledger");
      expect(rows[0]).toEqual({ outbox: 'outbox', ledger: 'processed_messages' });
    } finally {
      await db.end();
    }

    expect(await migrate()).toContain('database is up to date');
  });
});
