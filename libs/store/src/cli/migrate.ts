import { z } from 'zod';
import { configureLogging, loadConfigOrExit } from '@switchboard/observability';
import { findRepoRoot, migrateAll } from '../migrate-all';
import { StoreConfigSchema } from '../pool';

// `npm run migrate`: applies every libs/*/migrations and apps/*/migrations folder (acme-backend to ACME_DATABASE_URL).
const MigrateConfigSchema = StoreConfigSchema.extend({
  ACME_DATABASE_URL: z.string().url().optional(),
});

async function main(): Promise<void> {
  const config = loadConfigOrExit(MigrateConfigSchema);
  configureLogging({ level: 'warn' });
  const root = findRepoRoot(__dirname);
  const { applied, skipped } = await migrateAll({ root, databaseUrl: config.DATABASE_URL, acmeDatabaseUrl: config.ACME_DATABASE_URL });
  for (const m of applied) {
    process.stdout.write(`applied ${m.component} ${String(m.version).padStart(3, '0')}_${m.name} (${m.database === 'acme' ? 'ACME_DATABASE_URL' : 'DATABASE_URL'})\n`);
  }
  for (const t of skipped) process.stdout.write(`skipped ${t.component}: set ACME_DATABASE_URL to migrate it\n`);
  process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `${applied.length} migration(s) applied\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${(error as Error).message}\n`);
  process.exit(1);
});
