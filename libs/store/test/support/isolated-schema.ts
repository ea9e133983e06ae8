// Each store test gets its own Postgres schema with the store migrations, so relays in parallel test files (or the
// lead's e2e tests) never drain each other's outbox rows.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { readMigrations, storeMigrationsDir } from '@switchboard/store';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../../test/support/env';

export interface IsolatedSchema {
  schema: string;
  /** A pool whose search_path is the schema. */
  pool: Pool;
  /** Connection options a child process needs to reach the same schema. */
  connection: { connectionString: string; options: string };
  drop(): Promise<void>;
}

export async function isolatedSchema(): Promise<IsolatedSchema> {
  assertTestDatabase(TEST_DATABASE_URL);
  const schema = `t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const connection = { connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` };
  const pool = new Pool({ ...connection, max: 10 });
  for (const m of readMigrations(storeMigrationsDir())) await pool.query(m.sql);
  await pool.query('CREATE TABLE effects (case_id text NOT NULL, seq int NOT NULL, by text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  return {
    schema,
    pool,
    connection,
    async drop() {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
