import { loadConfigOrExit } from '@switchboard/observability';
import { createPool, runMigrations } from '@switchboard/store';
import { AcmeConfigSchema } from '../acme.config';
import { acmeMigrationsDir } from '../paths';
import { seedAcme } from '../seed';

// Resets the acme schema to the demo data: node dist/apps/acme-backend/src/cli/seed.js
async function main(): Promise<void> {
  const config = loadConfigOrExit(AcmeConfigSchema.pick({ DATABASE_URL: true, DATABASE_POOL_SIZE: true }));
  const pool = createPool(config);
  try {
    await runMigrations(pool, 'acme-backend', acmeMigrationsDir());
    await seedAcme(pool);
    process.stdout.write(`acme demo data seeded into ${new URL(config.DATABASE_URL).pathname.slice(1)}\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${(error as Error).message}\n`);
  process.exit(1);
});
