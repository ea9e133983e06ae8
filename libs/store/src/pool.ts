import { Pool, type PoolClient } from 'pg';
import { z } from 'zod';
import { env } from '@switchboard/observability';

/** Config fragment every app that touches Postgres merges into its own schema (STYLE.md §6). */
export const StoreConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://switchboard:switchboard@127.0.0.1:5432/switchboard'),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** Longest a statement may run on the server (`statement_timeout`); 0 turns it off. */
  DATABASE_STATEMENT_TIMEOUT_MS: env.int(30_000),
  /** Longest a statement waits for a lock (`lock_timeout`); 0 turns it off. */
  DATABASE_LOCK_TIMEOUT_MS: env.int(10_000),
  /** A session idle inside an open transaction this long is ended by the server, releasing its locks; 0 turns it off. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: env.int(60_000),
  /** Longest wait for a new connection (server down, pool exhausted) before the call fails. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /**
   * Client-side bound on a query's answer, for a server that stopped answering without closing the connection (the
   * server-side timeouts cannot fire then); 0 turns it off. Keep it above DATABASE_STATEMENT_TIMEOUT_MS.
   */
  DATABASE_QUERY_TIMEOUT_MS: env.int(45_000),
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

/** The settings {@link createPool} needs; timeouts left out take their documented defaults. */
export type PoolSettings = Pick<StoreConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'> & Partial<StoreConfig>;

const DEFAULTS = StoreConfigSchema.parse({});

/**
 * Creates a pg pool whose every connection carries server-side statement, lock and idle-in-transaction timeouts, a
 * connect timeout, a client-side answer timeout and TCP keepalive, so no call waits forever on Postgres. Connection
 * errors on idle or checked-out clients (e.g. Postgres restarting) go to the caller's handler instead of crashing the
 * process.
 *
 * @example
 * const pool = createPool(config, (err) => logger.error('pg idle client error', { err }));
 */
export function createPool(config: PoolSettings, onError?: (error: Error) => void): Pool {
  const setting = (key: Exclude<keyof StoreConfig, 'DATABASE_URL'>): number => config[key] ?? DEFAULTS[key];
  const optional = (ms: number) => (ms > 0 ? ms : undefined);
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    statement_timeout: optional(setting('DATABASE_STATEMENT_TIMEOUT_MS')),
    lock_timeout: optional(setting('DATABASE_LOCK_TIMEOUT_MS')),
    idle_in_transaction_session_timeout: optional(setting('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS')),
    query_timeout: optional(setting('DATABASE_QUERY_TIMEOUT_MS')),
    connectionTimeoutMillis: setting('DATABASE_CONNECT_TIMEOUT_MS'),
    keepAlive: true,
  });
  pool.on('error', (error) => onError?.(error));
  // pg-pool listens for errors only on idle clients: a checked-out client whose connection drops between two queries
  // (held across a Kafka publish or an HTTP call, say) would emit an unhandled 'error' and take the process down.
  // The next query on it fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', (error) => onError?.(error)));
  return pool;
}

/**
 * Runs `fn` in one transaction on a dedicated client; rolls back on any throw. A client whose query went unanswered
 * (client-side timeout) is discarded rather than returned to the pool, since its connection may still be busy.
 *
 * @example
 * await inTransaction(pool, async (tx) => { await tx.query('...'); await outbox.add(tx, messages); });
 */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (error instanceof Error && error.message === 'Query read timeout') broken = error;
    else await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
    throw error;
  } finally {
    client.release(broken);
  }
}
