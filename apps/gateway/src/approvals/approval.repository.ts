import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { GATEWAY_POOL } from '../gateway.tokens';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executed';

export interface ApprovalRow {
  id: string;
  caseId: string;
  taskId: string;
  tenantId: string;
  agent: string;
  tool: string;
  arguments: Record<string, unknown>;
  argumentsHash: string;
  reason: string;
  status: ApprovalStatus;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  executedAt: Date | null;
}

const COLUMNS = `id, case_id, task_id, tenant_id, agent, tool, arguments, arguments_hash, reason, status, expires_at, decided_by, decided_at,
  decision_note, executed_at`;

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
    reason: r.reason as string,
    status: r.status as ApprovalStatus,
    expiresAt: r.expires_at as Date,
    decidedBy: r.decided_by as string | null,
    decidedAt: r.decided_at as Date | null,
    decisionNote: r.decision_note as string | null,
    executedAt: r.executed_at as Date | null,
  };
}

/** Approval holds (gateway.approvals), each bound to one tool and the hash of its exact arguments. */
@Injectable()
export class ApprovalRepository {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /** Records a hold, or returns the open one for the same case, tool and arguments (a re-proposed write). */
  async holdOnce(input: Omit<ApprovalRow, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionNote' | 'executedAt'>): Promise<ApprovalRow> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.pool.query(
        `INSERT INTO gateway.approvals (id, case_id, task_id, tenant_id, agent, tool, arguments, arguments_hash, reason, status, expires_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending',$10)
         ON CONFLICT (case_id, tool, arguments_hash) WHERE status = 'pending' DO NOTHING RETURNING ${COLUMNS}`,
        [`apr_${randomUUID()}`, input.caseId, input.taskId, input.tenantId, input.agent, input.tool, JSON.stringify(input.arguments),
          input.argumentsHash, input.reason, input.expiresAt],
      );
      if (rows[0]) return toRow(rows[0]);
      const existing = await this.pool.query(
        `SELECT ${COLUMNS} FROM gateway.approvals WHERE case_id = $1 AND tool = $2 AND arguments_hash = $3 AND status = 'pending'`,
        [input.caseId, input.tool, input.argumentsHash],
      );
      if (existing.rows[0]) {
        const row = toRow(existing.rows[0]);
        if (row.expiresAt.getTime() > Date.now()) return row;
        // An expired pending hold is closed so a fresh one can be opened for the same arguments.
        await this.pool.query(`UPDATE gateway.approvals SET status = 'rejected', decided_by = 'system', decided_at = now(), decision_note = 'expired' WHERE id = $1 AND status = 'pending'`, [row.id]);
      }
    }
    throw new Error('could not record the approval hold (concurrent updates)');
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

  /** Inside the ledger transaction of the approved write, so "executed" and the stored result commit together. */
  async markExecuted(tx: PoolClient, id: string): Promise<void> {
    await tx.query(`UPDATE gateway.approvals SET status = 'executed', executed_at = now() WHERE id = $1 AND status = 'approved'`, [id]);
  }
}
