import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { GATEWAY_POOL } from '../gateway.tokens';
import { auditHash, GENESIS_HASH, payloadDigest, verifyChain, type AuditRecord, type ChainVerdict } from './audit-hash';

/** What the invoke pipeline reports about one call; id, time, digests and hashes are filled in here. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'at' | 'hashVersion' | 'salt' | 'argumentsDigest' | 'resultDigest' | 'erasedAt' | 'ruleVersion'> & { ruleVersion: string | null };

type Queryable = Pick<PoolClient, 'query'>;

// jsonb refuses U+0000; the audit keeps everything else verbatim.
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

const CHAIN_HEAD = `SELECT pg_advisory_xact_lock(hashtext('gateway.audit_log'));
  SELECT (SELECT hash FROM gateway.audit_log ORDER BY id DESC LIMIT 1) AS hash, nextval('gateway.audit_log_id_seq')::text AS id`;

/** Append-only, hash-chained audit log (gateway.audit_log); UPDATE/DELETE are refused by a trigger. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /** Appends one row. Pass `tx` to make the row part of a larger transaction (a write and its ledger entry). */
  async append(entry: AuditEntry, tx?: PoolClient): Promise<string> {
    if (tx) return this.appendIn(tx, entry, false);
    const client = await this.pool.connect();
    try {
      const id = await this.appendIn(client, entry, true);
      await client.query('COMMIT');
      return id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Three round trips for a row in its own transaction (the head, the insert, the commit), two inside a larger one. */
  private async appendIn(tx: Queryable, entry: AuditEntry, begin: boolean): Promise<string> {
    // One round trip, in the simple protocol (no parameters, several statements): the transaction's start when it is
    // ours, the lock that serialises appends so each row chains onto the one before it (released at commit), then the
    // last hash and the next id, read after the lock is held.
    const head = (await tx.query(`${begin ? 'BEGIN; ' : ''}${CHAIN_HEAD}`)) as unknown as QueryResult[];
    const { hash: lastHash, id } = head.at(-1)!.rows[0] as { hash: string | null; id: string };
    // A fresh salt per row: the digests then reveal nothing about low-entropy payloads (an e-mail address), and once
    // erasure removes the salt with the payloads they cannot be linked back to them.
    const salt = randomBytes(16).toString('hex');
    const args = storable(entry.arguments ?? null);
    const result = storable(entry.result ?? null);
    const record: AuditRecord = {
      ...entry,
      arguments: args,
      result,
      id,
      at: new Date().toISOString(),
      hashVersion: 3,
      salt,
      argumentsDigest: payloadDigest(salt, args),
      resultDigest: payloadDigest(salt, result),
    };
    const prevHash = lastHash ?? GENESIS_HASH;
    const hash = auditHash(prevHash, record);
    await tx.query(
      `INSERT INTO gateway.audit_log (id, at, case_id, task_id, tenant_id, agent, tool, tool_call_id, arguments, decision, outcome,
        error_code, result, latency_ms, approval_id, idempotency_key, prev_hash, hash, hash_version, salt, arguments_digest, result_digest, rule_version)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,3,$19,$20,$21,$22)`,
      [record.id, record.at, record.caseId, record.taskId, record.tenantId, record.agent, record.tool, record.toolCallId,
        JSON.stringify(record.arguments), record.decision, record.outcome, record.errorCode, JSON.stringify(record.result),
        record.latencyMs, record.approvalId, record.idempotencyKey, prevHash, hash, salt, record.argumentsDigest, record.resultDigest, record.ruleVersion],
    );
    return record.id;
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
