import { createHash, randomBytes } from 'node:crypto';
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
  /**
   * 2 (rows written since gateway migration 003): the hash covers `argumentsDigest` and `resultDigest`, salted digests
   * of the payloads, instead of the payloads, so erasure can remove them (and the salt) and the chain still verifies.
   * 3 (since migration 005): as 2, and the hash covers `ruleVersion` too.
   * Absent: version 1, the hash covers the payloads themselves.
   */
  hashVersion?: 2 | 3;
  /**
   * Version 3: the version of the rules that decided the call (`tool:<name>@<hex>`, `catalog:<hex>` for an unknown
   * tool; null for a refusal of the token itself, which the signing keys decide). Absent on older rows.
   */
  ruleVersion?: string | null;
  salt?: string | null;
  argumentsDigest?: string;
  resultDigest?: string;
  /** Set when the payloads were erased (arguments, result and salt are then null). Not hashed. */
  erasedAt?: string | null;
}

/** sha256(salt ‖ canonical JSON of a payload): commits to it without revealing it; unlinkable once the salt is gone. */
export function payloadDigest(salt: string, value: unknown): string {
  return createHash('sha256').update(salt).update('\n').update(canonicalJson(value ?? null)).digest('hex');
}

/** Whether a row's hash covers payload digests instead of the payloads (versions 2 and 3), so they can be erased. */
const coversDigests = (record: AuditRecord): boolean => record.hashVersion === 2 || record.hashVersion === 3;

/**
 * hash = sha256(prev_hash ‖ canonical JSON of the row); changing, removing or reordering any row breaks the chain.
 * Version-2 rows hash the row with the payload digests in place of the payloads (see {@link AuditRecord.hashVersion}).
 */
export function auditHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(hashedFields(record))).digest('hex');
}

/** What the hash covers: the row, with the payload digests in place of the payloads from version 2. */
function hashedFields(record: AuditRecord): unknown {
  if (!coversDigests(record)) return record;
  const { arguments: _arguments, result: _result, salt: _salt, erasedAt: _erasedAt, ...committed } = record;
  return committed;
}

/**
 * The canonical JSON {@link auditHash} covers, in two parts around the row's id, for a writer that learns the id only
 * where the row is inserted (`gateway.audit_append`, gateway migration 006): `auditHash(prev, { ...record, id })` is
 * sha256(prev ‖ '\n' ‖ before ‖ JSON.stringify(id) ‖ after).
 */
export function auditHashParts(record: Omit<AuditRecord, 'id'>): { before: string; after: string } {
  // A marker no other field can contain (random), in the id's place; the parts are what surrounds its JSON string.
  const marker = JSON.stringify(`audit-row-id:${randomBytes(16).toString('hex')}`);
  const text = canonicalJson(hashedFields({ ...record, id: JSON.parse(marker) as string }));
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error('auditHashParts: the id marker is not unique in the row');
  return { before: text.slice(0, at), after: text.slice(at + marker.length) };
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
    if (coversDigests(record) && !record.erasedAt) {
      const salt = record.salt ?? '';
      if (payloadDigest(salt, record.arguments) !== record.argumentsDigest || payloadDigest(salt, record.result) !== record.resultDigest) {
        return { ok: false, brokenId: row.id, reason: 'row content does not match its hash (row modified)', count };
      }
    }
    if (auditHash(prevHash, record) !== hash) return { ok: false, brokenId: row.id, reason: 'row content does not match its hash (row modified)', count };
    prev = hash;
    count++;
  }
  return { ok: true, count, lastHash: prev };
}
