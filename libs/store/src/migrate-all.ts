import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Pool } from 'pg';
import { readMigrations, runMigrations } from './migrations';

/** Components whose migrations belong to the reference backend's own database (ACME_DATABASE_URL). */
export const ACME_COMPONENTS: ReadonlySet<string> = new Set(['acme-backend']);

/** One `migrations/` folder of a lib or app and which database it targets. */
export interface MigrationTarget {
  component: string;
  dir: string;
  database: 'main' | 'acme';
}

/** A migration that {@link migrateAll} applied. */
export interface AppliedMigration {
  component: string;
  version: number;
  name: string;
  database: 'main' | 'acme';
}

/**
 * The repository root (the folder with `package.json` and `libs/`), found upwards from `from`; works from `src` and
 * from the compiled `dist` tree, where the `.sql` files are not copied.
 *
 * @example
 * const root = findRepoRoot(__dirname);
 */
export function findRepoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (package.json + libs/) above ${from}`);
    dir = parent;
  }
}

/**
 * Folder of this lib's migrations (processed-message ledger, outbox), for apps that migrate at start-up.
 *
 * @example
 * await runMigrations(pool, 'store', storeMigrationsDir());
 */
export function storeMigrationsDir(): string {
  return join(findRepoRoot(__dirname), 'libs', 'store', 'migrations');
}

/**
 * Every `libs/<name>/migrations` then `apps/<name>/migrations` folder, libs first so apps can reference lib tables.
 *
 * @example
 * findMigrationTargets(findRepoRoot()); // [{ component: 'store', dir: '…/libs/store/migrations', database: 'main' }, …]
 */
export function findMigrationTargets(root: string): MigrationTarget[] {
  const found: MigrationTarget[] = [];
  for (const parent of ['libs', 'apps']) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name, 'migrations');
      if (existsSync(dir)) found.push({ component: name, dir, database: ACME_COMPONENTS.has(name) ? 'acme' : 'main' });
    }
  }
  return found;
}

async function appliedVersions(pool: Pool, component: string): Promise<Set<number>> {
  const { rows: exists } = await pool.query(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return new Set();
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM public.schema_migrations WHERE component = $1', [component]);
  return new Set(rows.map((r) => r.version));
}

/**
 * Applies every pending migration of every component, in order, and returns what it applied. Acme components need
 * `acmeDatabaseUrl`; without it they are reported as skipped.
 *
 * @example
 * const applied = await migrateAll({ root: findRepoRoot(), databaseUrl: config.DATABASE_URL });
 */
export async function migrateAll(options: {
  root: string;
  databaseUrl: string;
  acmeDatabaseUrl?: string;
}): Promise<{ applied: AppliedMigration[]; skipped: MigrationTarget[] }> {
  const targets = findMigrationTargets(options.root);
  const pools = {
    main: new Pool({ connectionString: options.databaseUrl, max: 2 }),
    acme: options.acmeDatabaseUrl ? new Pool({ connectionString: options.acmeDatabaseUrl, max: 2 }) : undefined,
  };
  const applied: AppliedMigration[] = [];
  const skipped: MigrationTarget[] = [];
  try {
    for (const target of targets) {
      const pool = pools[target.database];
      if (!pool) {
        skipped.push(target);
        continue;
      }
      const before = await appliedVersions(pool, target.component);
      await runMigrations(pool, target.component, target.dir);
      for (const m of readMigrations(target.dir)) {
        if (!before.has(m.version)) applied.push({ component: target.component, version: m.version, name: m.name, database: target.database });
      }
    }
  } finally {
    await Promise.all([pools.main.end(), pools.acme?.end()]);
  }
  return { applied, skipped };
}
