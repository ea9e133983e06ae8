import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of one audit row that the hash covers (everything except the hashes themselves). */
export interface AuditRecord {
  id: string;
  at: string;
  caseId: string | null;
  taskId: string | null;
  tenantId: string | null;
  agent: string | null;
  tool: string;
  toolCallId: string | null;
  arguments: unknown;
  decision: string;
  outcome: string;
  errorCode: string | null;
  result: unknown;
  latencyMs: number;
  approvalId: string | null;
  idempotencyKey: string | null;
}

/** hash = sha256(prev_hash ‖ canonical JSON of the row); changing, removing or reordering any row breaks the chain. */
export function auditHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(record)).digest('hex');
}

export type ChainVerdict = { ok: true; count: number; lastHash: string } | { ok: false; brokenId: string; reason: string; count: number };

/** Walks rows in id order from `prevHash`, checking each link and each row's own hash. */
export function verifyChain(
  rows: Iterable<AuditRecord & { prevHash: string; hash: string }>,
  start: { prevHash: string; count: number } = { prevHash: GENESIS_HASH, count: 0 },
): ChainVerdict {
  let prev = start.prevHash;
  let count = start.count;
  for (const row of rows) {
    const { prevHash, hash, ...record } = row;
    if (prevHash !== prev) return { ok: false, brokenId: row.id, reason: 'prev_hash does not match the previous row (row removed, inserted or reordered)', count };
    if (auditHash(prevHash, record) !== hash) return { ok: false, brokenId: row.id, reason: 'row content does not match its hash (row modified)', count };
    prev = hash;
    count++;
  }
  return { ok: true, count, lastHash: prev };
}
