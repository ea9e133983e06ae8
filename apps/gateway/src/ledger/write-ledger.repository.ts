import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { ToolResult } from '@switchboard/contracts';
import { GATEWAY_POOL } from '../gateway.tokens';
import { httpStatusOf } from '../invoke/gateway-failure';

export interface LedgerEntry {
  idempotencyKey: string;
  caseId: string;
  taskId: string;
  tenantId: string;
  agent: string;
  tool: string;
  toolCallId: string;
  argumentsHash: string;
  approvalId: string | null;
}

/** Outcome of running a write: `final` outcomes are stored and replayed; others (backend down) are not. */
export interface WriteOutcome {
  result: ToolResult;
  final: boolean;
}

/**
 * Exactly-once writes (gateway.write_ledger). The first call for a key inserts an in-flight row and keeps its row
 * lock while it calls the backend; a concurrent retry blocks on that row, then reads the stored outcome. Only final
 * outcomes are committed: if the backend was unreachable the row is rolled back, and the next retry calls the
 * backend again with the same Idempotency-Key (which the backend dedupes if the first call did land).
 */
@Injectable()
export class WriteLedgerRepository {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  async executeOnce(
    entry: LedgerEntry,
    execute: () => Promise<WriteOutcome>,
    /** Runs inside the ledger transaction before commit (audit row, approval state), replay or not. */
    beforeCommit: (tx: PoolClient, result: ToolResult, replayed: boolean) => Promise<void>,
  ): Promise<{ result: ToolResult; replayed: boolean; committed: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO gateway.write_ledger (idempotency_key, case_id, task_id, tenant_id, agent, tool, tool_call_id, arguments_hash, approval_id, status)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'in_flight') ON CONFLICT (idempotency_key) DO NOTHING`,
        [entry.idempotencyKey, entry.caseId, entry.taskId, entry.tenantId, entry.agent, entry.tool, entry.toolCallId, entry.argumentsHash, entry.approvalId],
      );
      const { rows } = await client.query<{ status: string; outcome: ToolResult | null }>(
        'SELECT status, outcome FROM gateway.write_ledger WHERE idempotency_key = $1 FOR UPDATE',
        [entry.idempotencyKey],
      );
      const stored = rows[0];
      if (stored?.status === 'done' && stored.outcome) {
        const replay: ToolResult = stored.outcome.status === 'ok' ? { ...stored.outcome, replayed: true } : stored.outcome;
        await beforeCommit(client, replay, true);
        await client.query('COMMIT');
        return { result: replay, replayed: true, committed: true };
      }
      const outcome = await execute();
      if (!outcome.final) {
        await client.query('ROLLBACK');
        return { result: outcome.result, replayed: false, committed: false };
      }
      await client.query(
        `UPDATE gateway.write_ledger SET status = 'done', outcome = $2, http_status = $3, completed_at = now() WHERE idempotency_key = $1`,
        [entry.idempotencyKey, JSON.stringify(outcome.result), httpStatusOf(outcome.result)],
      );
      await beforeCommit(client, outcome.result, false);
      await client.query('COMMIT');
      return { result: outcome.result, replayed: false, committed: true };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** How many final outcomes are stored for a case (operators, tests). */
  async countForCase(caseId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.write_ledger WHERE case_id = $1 AND status = 'done'`, [caseId]);
    return rows[0]!.n;
  }
}
