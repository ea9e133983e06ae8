import { Pool } from 'pg';
import { PgVectorStore, runMemoryMigrations } from '@switchboard/memory';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../test/support/env';
import { vectorStoreBehaviour } from './vector-store.behaviour';

// Real: Postgres (switchboard_test) with the memory migrations. No doubles.
let pool: Pool;

beforeAll(async () => {
  assertTestDatabase(TEST_DATABASE_URL);
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  await runMemoryMigrations(pool);
});

afterAll(async () => {
  await pool?.query(`DELETE FROM memory_collections WHERE name LIKE 'test\\_%'`);
  await pool?.end();
});

vectorStoreBehaviour('pg (embedded in Postgres)', () => new PgVectorStore(pool));
