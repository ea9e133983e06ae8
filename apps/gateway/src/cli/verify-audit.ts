import type { Pool } from 'pg';
import { loadConfigOrExit } from '@switchboard/observability';
import { createPool, StoreConfigSchema } from '@switchboard/store';
import { verifyAuditChain } from '../audit/audit.repository';

/**
 * Verifies the gateway audit chain. Prints `OK <rows>` and returns 0, or `TAMPERED at row <id>: <reason>` and
 * returns 1. Usage: `DATABASE_URL=… node dist/apps/gateway/src/cli/verify-audit.js`
 */
export async function runVerifyAudit(pool: Pick<Pool, 'query'>, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const verdict = await verifyAuditChain(pool);
  if (verdict.ok) {
    write(`OK ${verdict.count} audit rows, chain intact (last hash ${verdict.lastHash.slice(0, 16)}…)`);
    return 0;
  }
  write(`TAMPERED at row ${verdict.brokenId}: ${verdict.reason} (${verdict.count} rows verified before it)`);
  return 1;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(StoreConfigSchema);
  const pool = createPool({ ...config, DATABASE_POOL_SIZE: 1 });
  try {
    process.exitCode = await runVerifyAudit(pool);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`audit verification failed to run: ${(error as Error).message}\n`);
    process.exitCode = 2;
  });
}
