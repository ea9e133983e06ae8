import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { JsonLogger } from '@switchboard/observability';
import { GATEWAY_POOL } from '../gateway.tokens';
import { auditHashParts, GENESIS_HASH, payloadDigest, verifyChain, type AuditRecord, type ChainVerdict } from './audit-hash';

/** What the invoke pipeline reports about one call; id, time, digests and hashes are filled in here. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'at' | 'hashVersion' | 'salt' | 'argumentsDigest' | 'resultDigest' | 'erasedAt' | 'ruleVersion'> & { ruleVersion: string | null };

type Queryable = Pick<PoolClient, 'query'>;

// Postgres text and jsonb refuse U+0000 (it becomes U+FFFD); the audit keeps everything else verbatim.
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.split('\u0000').join('\uFFFD') : value;
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k) as string, storable(v)]));
  return value;
}

// The text id gets its own name: `ORDER BY id` would otherwise sort the text alias (1, 10, 100, 2…).
const SELECT_ROWS = `SELECT id::text AS row_id, at, case_id, task_id, tenant_id, agent, tool, tool_call_id, arguments, decision, outcome,
  error_code, result, latency_ms, approval_id, idempotency_key, prev_hash, hash, hash_version, salt, arguments_digest, result_digest, erased_at,
  rule_version FROM gateway.audit_log`;

// One round trip per row, in its own statement or in the caller's transaction: gateway migration 006.
const APPEND_SQL = `SELECT gateway.audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) AS id`;

/** Append-only, hash-chained audit log (gateway.audit_log); UPDATE/DELETE are refused by a trigger. */
@Injectable()
export class AuditRepository {
  private readonly logger = new JsonLogger(AuditRepository.name);

  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /**
   * {@link append} outside a transaction that reports instead of throwing: true once the row is written, false (and
   * logged) when it is not. A read's caller then withholds the data: nothing leaves the gateway without its row.
   */
  async tryAppend(entry: AuditEntry): Promise<boolean> {
    try {
      await this.append(entry);
      return true;
    } catch (error) {
      this.logger.error('audit append failed', { tool: entry.tool, caseId: entry.caseId, error });
      return false;
    }
  }

  /**
   * Appends one row in one round trip: autocommitted, or part of `tx` when given (a write and its ledger entry). The
   * lock that chains rows one after another, the last hash, the next id and the insert happen in Postgres
   * (`gateway.audit_append`), over the canonical JSON built here ({@link auditHashParts}).
   */
  async append(entry: AuditEntry, tx?: Queryable): Promise<string> {
    // A fresh salt per row: the digests then reveal nothing about low-entropy payloads (an e-mail address), and once
    // erasure removes the salt with the payloads they cannot be linked back to them.
    const salt = randomBytes(16).toString('hex');
    // Every text of the row, not only the payloads: a NUL in a tool call id would otherwise fail the insert.
    const clean = storable(entry) as AuditEntry;
    const args = clean.arguments ?? null;
    const result = clean.result ?? null;
    const record: Omit<AuditRecord, 'id'> = {
      ...clean,
      arguments: args,
      result,
      at: new Date().toISOString(),
      hashVersion: 3,
      salt,
      argumentsDigest: payloadDigest(salt, args),
      resultDigest: payloadDigest(salt, result),
    };
    const { before, after } = auditHashParts(record);
    const { rows } = await (tx ?? this.pool).query<{ id: string }>({
      name: 'gateway.audit_append',
      text: APPEND_SQL,
      values: [before, after, record.at, record.caseId, record.taskId, record.tenantId, record.agent, record.tool, record.toolCallId,
        JSON.stringify(record.arguments), record.decision, record.outcome, record.errorCode, JSON.stringify(record.result),
        record.latencyMs, record.approvalId, record.idempotencyKey, salt, record.argumentsDigest, record.resultDigest, record.ruleVersion],
    });
    return rows[0]!.id;
  }

  async byCase(caseId: string): Promise<Array<AuditRecord & { prevHash: string; hash: string }>> {
    const { rows } = await this.pool.query(`${SELECT_ROWS} WHERE case_id = $1 ORDER BY id`, [caseId]);
    return rows.map(toRecord);
  }

  /**
   * Verdict rows (not simply allowed) of every case in [since, until), newest first, at most `limit`; optionally one
   * tenant and one rule (error code) or decision.
   */
  async verdicts(q: { since: Date; until: Date; tenantId?: string; rule?: string; decision?: string; limit: number }): Promise<Array<AuditRecord & { prevHash: string; hash: string }>> {
    const params: unknown[] = [q.since, q.until];
    const where = ['at >= $1', 'at < $2', "(decision <> 'allowed' OR error_code IS NOT NULL)"];
    if (q.tenantId !== undefined) where.push(`tenant_id = $${params.push(q.tenantId)}`);
    if (q.rule !== undefined) where.push(`error_code = $${params.push(q.rule)}`);
    if (q.decision !== undefined) where.push(`decision = $${params.push(q.decision)}`);
    const { rows } = await this.pool.query(`${SELECT_ROWS} WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${params.push(q.limit)}`, params);
    return rows.map(toRecord);
  }

  /** Re-computes the whole chain in id order, in pages; reports the first broken row. */
  async verify(pageSize = 1000): Promise<ChainVerdict> {
    return verifyAuditChain(this.pool, pageSize);
  }
}

export async function verifyAuditChain(pool: Pick<Pool, 'query'>, pageSize = 1000): Promise<ChainVerdict> {
  let state = { prevHash: GENESIS_HASH, count: 0 };
  let afterId = '-1';
  for (;;) {
    const { rows } = await pool.query(`${SELECT_ROWS} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, pageSize]);
    if (rows.length === 0) return { ok: true, count: state.count, lastHash: state.prevHash };
    const verdict = verifyChain(rows.map(toRecord), state);
    if (!verdict.ok) return verdict;
    state = { prevHash: verdict.lastHash, count: verdict.count };
    afterId = (rows[rows.length - 1] as { row_id: string }).row_id;
  }
}

function toRecord(r: Record<string, unknown>): AuditRecord & { prevHash: string; hash: string } {
  // Version-1 rows must come back with exactly the fields their hash was computed over.
  const v2 = r.hash_version === 2 || r.hash_version === 3
    ? { hashVersion: r.hash_version as 2 | 3, salt: r.salt as string | null, argumentsDigest: r.arguments_digest as string, resultDigest: r.result_digest as string, erasedAt: r.erased_at ? (r.erased_at as Date).toISOString() : null }
    : {};
  // Only version-3 rows have a rule version in their hash; older rows must not gain the field.
  const v3 = r.hash_version === 3 ? { ruleVersion: r.rule_version as string | null } : {};
  return {
    ...v2,
    ...v3,
    id: r.row_id as string,
    at: (r.at as Date).toISOString(),
    caseId: r.case_id as string | null,
    taskId: r.task_id as string | null,
    tenantId: r.tenant_id as string | null,
    agent: r.agent as string | null,
    tool: r.tool as string,
    toolCallId: r.tool_call_id as string | null,
    arguments: r.arguments,
    decision: r.decision as string,
    outcome: r.outcome as string,
    errorCode: r.error_code as string | null,
    result: r.result,
    latencyMs: r.latency_ms as number,
    approvalId: r.approval_id as string | null,
    idempotencyKey: r.idempotency_key as string | null,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}
