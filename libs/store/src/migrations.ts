import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool, QueryConfig } from 'pg';
import { JsonLogger, SwitchboardError } from '@switchboard/observability';

/** A statement with a client-side answer bound of hours (node-postgres reads `query_timeout` per query too). */
function longQuery(text: string): QueryConfig & { query_timeout: number } {
  return { text, query_timeout: 6 * 3_600_000 };
}

/** One versioned SQL migration: `NNN_name.sql` in a component's `migrations/` folder. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** A migration file was edited after it ran, or a file name does not follow `NNN_name.sql`. */
export class MigrationError extends SwitchboardError {
  constructor(message: string) {
    super('STORE.MIGRATION_INVALID', 'user', message);
  }
}

/**
 * Reads `NNN_name.sql` files from a folder, ordered by version.
 *
 * @example
 * const migrations = readMigrations(join(__dirname, '..', 'migrations'));
 */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([a-z0-9_-]+)\.sql$/.exec(file);
      if (!match) throw new MigrationError(`migration file "${file}" in ${dir} must be named NNN_name.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations of one component (`component` names its history, e.g. `store`, `gateway`), each in
 * its own transaction, under an advisory lock so concurrent service start-ups never race. Refuses to continue if
 * an applied migration's file changed since.
 *
 * @example
 * await runMigrations(pool, 'gateway', join(__dirname, '..', 'migrations'));
 */
export async function runMigrations(pool: Pool, component: string, dir: string): Promise<number> {
  const logger = new JsonLogger('migrations');
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  try {
    // Migrations may legitimately take long (an index on a big table) or wait for another service's migrations: the
    // pool's statement, lock and client-side answer timeouts are lifted for this session and restored at the end.
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await client.query(longQuery(`SELECT pg_advisory_lock(hashtext('switchboard.migrations'))`));
    await client.query(`CREATE TABLE IF NOT EXISTS public.schema_migrations (
      component text NOT NULL, version int NOT NULL, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM public.schema_migrations WHERE component = $1',
      [component],
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    let count = 0;
    for (const m of migrations) {
      const previous = applied.get(m.version);
      if (previous !== undefined) {
        if (previous !== m.checksum) throw new MigrationError(`${component} migration ${m.version}_${m.name} was edited after it was applied; add a new migration instead`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(longQuery(m.sql));
        await client.query('INSERT INTO public.schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)', [component, m.version, m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new SwitchboardError('STORE.MIGRATION_FAILED', 'system', `${component} migration ${m.version}_${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      logger.info('migration applied', { component, version: m.version, name: m.name });
      count++;
    }
    return count;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('switchboard.migrations'))`).catch(() => undefined);
    await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
    client.release();
  }
}
