// `npm run outcomes:backfill -- [--dry-run] [--tenant <id>] [--batch <n>] [--json]`: gives settled cases decided before
// outcome tiers were recorded (`not_recorded` in the KPIs) the tier the state machine would have stored, from the facts
// in their stored state (outcomes/tier-backfill.ts). Safe while the supervisor runs, and to run again.
// Exit: 0 every examined case got its tier; 3 done, but some cases lack the facts for one (listed by reason); 64 usage;
// 1 failure.
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { configureLogging, describeError, loadConfigOrExit } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { backfillTiers, type TierBackfillReport } from '../outcomes/tier-backfill';

const USAGE = 'usage: npm run outcomes:backfill -- [--dry-run] [--tenant <tenant id>] [--batch <1..10000>] [--json]\n';

/** Human-readable lines of a report. */
export function describeBackfill(r: TierBackfillReport): string[] {
  const tiered = Object.entries(r.tiered).map(([tier, n]) => `${n} ${tier}`).join(', ') || 'none';
  const lines = [`${r.dryRun ? 'would give' : 'gave'} ${Object.values(r.tiered).reduce((a, b) => a + b, 0)} of ${r.examined} settled case(s) without a tier their tier: ${tiered}`];
  for (const [why, n] of Object.entries(r.skipped)) lines.push(`  LEFT: ${n} case(s): ${why}`);
  if (r.raced > 0) lines.push(`  ${r.raced} case(s) changed while this ran; their own transition stores their tier`);
  return lines;
}

async function main(): Promise<void> {
  let values: { 'dry-run'?: boolean; tenant?: string; batch?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, tenant: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exit(64);
  }
  const batchSize = values.batch === undefined ? 500 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    process.stderr.write(`--batch must be a whole number from 1 to 10000, not "${values.batch}"\n${USAGE}`);
    process.exit(64);
  }
  const config = loadConfigOrExit(StoreConfigSchema);
  configureLogging({ level: 'warn' });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    const report = await backfillTiers(pool, {
      dryRun: values['dry-run'] ?? false, batchSize, ...(values.tenant ? { tenant: values.tenant } : {}),
      onBatch: (r) => { if (!values.json) process.stderr.write(`… ${r.examined} case(s) examined\n`); },
    });
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describeBackfill(report).join('\n')}\n`);
    process.exitCode = Object.keys(report.skipped).length > 0 ? 3 : 0;
  } catch (error) {
    process.stderr.write(`tier backfill failed: ${describeError(error).message}\n`);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

if (require.main === module) void main();
