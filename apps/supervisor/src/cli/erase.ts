// `npm run erase -- --tenant <id> | --requester <email> [--dry-run] [--no-memory] [--json]`: erases a tenant's or a
// requester's personal data from cases, trace, checkpoints, outbox, the gateway's audit payloads, approvals and write
// ledger, and remembered resolutions; the audit chain still verifies afterwards (docs/operations.md "Erasure").
// Exit: 0 all erased; 3 done but something was left (cases in flight, unsent outbox rows, audit rows written before
// gateway migration 003); 64 usage; 1 failure.
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { z } from 'zod';
import { createVectorStore, MemoryConfigSchema } from '@switchboard/memory';
import { configureLogging, loadConfigOrExit } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { ErasureService, type ErasureReport, type ErasureSubject } from '../erasure/erasure.service';

const EraseConfigSchema = StoreConfigSchema.extend(MemoryConfigSchema.shape).extend({
  /** The gateway's database when it is not DATABASE_URL. */
  GATEWAY_DATABASE_URL: z.string().url().optional(),
});

const USAGE = 'usage: npm run erase -- (--tenant <tenant id> | --requester <email>) [--dry-run] [--no-memory] [--json]\n';

/** Human-readable lines of a report. */
export function describeReport(r: ErasureReport): string[] {
  const who = 'tenant' in r.subject ? `tenant ${r.subject.tenant}` : `requester ${r.subject.requester}`;
  const lines = [`${r.dryRun ? 'would erase' : 'erased'} ${who}: ${r.cases.length} case(s)`];
  if (!r.dryRun) {
    const x = r.rows;
    lines.push(
      `  supervisor: ${r.cases.length} case rows scrubbed, ${x.trace} trace rows, ${x.checkpoints} checkpoints, ${x.feedback} feedback comments, ${x.outboxDeleted} sent outbox rows deleted`,
      r.gateway ? `  gateway: ${x.auditErased} audit payloads erased (chain kept), ${x.approvals} approvals, ${x.writeLedger} write outcomes` : '  gateway: tables not in this database; set GATEWAY_DATABASE_URL and run again',
      r.memory ? `  memory: ${x.memoryDocuments} remembered resolution(s) deleted` : '  memory: skipped (--no-memory)',
    );
    if (x.outboxUnsent > 0) lines.push(`  LEFT: ${x.outboxUnsent} unsent outbox row(s) of these cases; run again once the relay has published them`);
    if (x.auditLegacyKept > 0) lines.push(`  LEFT: ${x.auditLegacyKept} audit row(s) written before gateway migration 003 (their hash covers the payload, so erasing it would break the chain)`);
  }
  for (const c of r.inFlight) lines.push(`  LEFT: ${c.caseId} is ${c.status} (in flight); close it in the console and run again`);
  return lines;
}

function leftSomething(r: ErasureReport): boolean {
  return r.inFlight.length > 0 || r.rows.outboxUnsent > 0 || r.rows.auditLegacyKept > 0 || (!r.dryRun && !r.gateway);
}

async function main(): Promise<void> {
  let values: { tenant?: string; requester?: string; 'dry-run'?: boolean; 'no-memory'?: boolean; json?: boolean };
  try {
    ({ values } = parseArgs({ options: { tenant: { type: 'string' }, requester: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'no-memory': { type: 'boolean' }, json: { type: 'boolean' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exit(64);
  }
  if (Boolean(values.tenant) === Boolean(values.requester)) {
    process.stderr.write(USAGE);
    process.exit(64);
  }
  const subject: ErasureSubject = values.tenant ? { tenant: values.tenant } : { requester: values.requester! };
  const config = loadConfigOrExit(EraseConfigSchema);
  configureLogging({ level: 'warn' });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  const gatewayPool = config.GATEWAY_DATABASE_URL ? new Pool({ connectionString: config.GATEWAY_DATABASE_URL, max: 2 }) : undefined;
  const memory = values['no-memory'] ? undefined : await createVectorStore(config, pool);
  try {
    const service = new ErasureService(pool, { ...(gatewayPool ? { gatewayPool } : {}), ...(memory ? { memory: { store: memory.store, collection: config.MEMORY_COLLECTION } } : {}) });
    const report = await service.erase(subject, { dryRun: values['dry-run'] ?? false });
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describeReport(report).join('\n')}\n`);
    process.exitCode = leftSomething(report) ? 3 : 0;
  } finally {
    await memory?.close();
    await Promise.all([pool.end(), gatewayPool?.end()]);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`erasure failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
