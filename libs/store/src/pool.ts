import { Pool, type PoolClient } from 'pg';
import { z } from 'zod';

/** Config fragment every app that touches Postgres merges into its own schema (STYLE.md §6). */
export const StoreConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://switchboard:switchboard@127.0.0.1:5432/switchboard'),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

/**
 * Creates a pg pool. Errors on idle clients (e.g. Postgres restarting) are logged by the caller's handler
 * instead of crashing the process.
 *
 * @example
 * const pool = createPool(config, (err) => logger.error('pg idle client error', { err }));
 */
export function createPool(config: StoreConfig, onError?: (error: Error) => void): Pool {
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
  pool.on('error', (error) => onError?.(error));
  return pool;
}

/**
 * Runs `fn` in one transaction on a dedicated client; rolls back on any throw.
 *
 * @example
 * await inTransaction(pool, async (tx) => { await tx.query('...'); await outbox.add(tx, messages); });
 */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
