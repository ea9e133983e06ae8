import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { GATEWAY_POOL } from '../gateway.tokens';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executed' | 'expired';

export interface ApprovalRow {
  id: string;
  caseId: string;
  taskId: string;
  tenantId: string;
  agent: string;
  tool: string;
  arguments: Record<string, unknown>;
  argumentsHash: string;
  /** The effect the approval is for (ledger/effect.ts); `legacy:<id>` for holds recorded before effects existed. */
  effectHash: string;
  reason: string;
  status: ApprovalStatus;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  executedAt: Date | null;
}

const COLUMNS = `id, case_id, task_id, tenant_id, agent, tool, arguments, arguments_hash, effect_hash, reason, status, expires_at, decided_by,
  decided_at, decision_note, executed_at`;

function toRow(r: Record<string, unknown>): ApprovalRow {
  return {
    id: r.id as string,
    caseId: r.case_id as string,
    taskId: r.task_id as string,
    tenantId: r.tenant_id as string,
    agent: r.agent as string,
    tool: r.tool as string,
    arguments: r.arguments as Record<string, unknown>,
    argumentsHash: r.arguments_hash as string,
    effectHash: r.effect_hash as string,
    reason: r.reason as string,
    status: r.status as ApprovalStatus,
    expiresAt: r.expires_at as Date,
    decidedBy: r.decided_by as string | null,
    decidedAt: r.decided_at as Date | null,
    decisionNote: r.decision_note as string | null,
    executedAt: r.executed_at as Date | null,
  };
}

/**
 * Approval holds (gateway.approvals), each bound to one tool and one effect of one case; at most one is open (pending,
 * or approved and not yet executed) per effect. The arguments shown to the human are the ones that execute.
 */
@Injectable()
export class ApprovalRepository {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /**
   * Inside the write's decision transaction: records a hold, or returns the open one for the same case, tool and effect
   * (a re-proposed write, re-worded or not). An open hold past its expiry is closed first, so a fresh one can open.
   */
  async holdOnce(
    tx: PoolClient,
    input: Omit<ApprovalRow, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionNote' | 'executedAt'>,
  ): Promise<ApprovalRow> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await tx.query(
        `INSERT INTO gateway.approvals (id, case_id, task_id, tenant_id, agent, tool, arguments, arguments_hash, effect_hash, reason, status, expires_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'pending',$11)
         ON CONFLICT (case_id, tool, effect_hash) WHERE status IN ('pending', 'approved') DO NOTHING RETURNING ${COLUMNS}`,
        [`apr_${randomUUID()}`, input.caseId, input.taskId, input.tenantId, input.agent, input.tool, JSON.stringify(input.arguments),
          input.argumentsHash, input.effectHash, input.reason, input.expiresAt],
      );
      if (rows[0]) return toRow(rows[0]);
      const open = await this.findOpen(tx, input.caseId, input.tool, input.effectHash);
      if (open) {
        if (open.expiresAt.getTime() > Date.now()) return open;
        await this.expire(tx, open.id);
      }
    }
    throw new Error('could not record the approval hold (concurrent updates)');
  }

  /** The open (pending, or approved and not executed) approval of an effect, if any. */
  async findOpen(tx: PoolClient, caseId: string, tool: string, effectHash: string): Promise<ApprovalRow | undefined> {
    const { rows } = await tx.query(
      `SELECT ${COLUMNS} FROM gateway.approvals WHERE case_id = $1 AND tool = $2 AND effect_hash = $3 AND status IN ('pending', 'approved')`,
      [caseId, tool, effectHash],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Closes an open approval whose time ran out (it can no longer be decided or executed). */
  async expire(tx: PoolClient, id: string): Promise<void> {
    await tx.query(`UPDATE gateway.approvals SET status = 'expired' WHERE id = $1 AND status IN ('pending', 'approved')`, [id]);
  }

  async get(id: string, tx?: PoolClient): Promise<ApprovalRow | undefined> {
    const { rows } = await (tx ?? this.pool).query(`SELECT ${COLUMNS} FROM gateway.approvals WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Moves a pending, unexpired approval to approved/rejected; returns the row as it is afterwards. */
  async decide(id: string, status: 'approved' | 'rejected', by: string, note: string | null): Promise<{ row: ApprovalRow; changed: boolean } | undefined> {
    const { rows } = await this.pool.query(
      `UPDATE gateway.approvals SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4
       WHERE id = $1 AND status = 'pending' AND expires_at > now() RETURNING ${COLUMNS}`,
      [id, status, by, note],
    );
    if (rows[0]) return { row: toRow(rows[0]), changed: true };
    const row = await this.get(id);
    return row ? { row, changed: false } : undefined;
  }

  /**
   * Inside the ledger transaction of the approved write, so "executed" and the stored result commit together. An
   * attempt that started before the approval expired may finish after (same arguments, same Idempotency-Key).
   */
  async markExecuted(tx: PoolClient, id: string): Promise<void> {
    await tx.query(`UPDATE gateway.approvals SET status = 'executed', executed_at = now() WHERE id = $1 AND status IN ('approved', 'expired')`, [id]);
  }
}
