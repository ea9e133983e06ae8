import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { ToolResult } from '@switchboard/contracts';
import type { CumulativeLimit } from '../catalog/catalog.schema';
import { GATEWAY_POOL } from '../gateway.tokens';
import { httpStatusOf } from '../invoke/gateway-failure';
import type { Effect } from './effect';

/** A write about to be attempted: committed as `pending` with the exact arguments before the backend is called. */
export interface PendingEntry {
  effect: Effect;
  caseId: string;
  taskId: string;
  tenantId: string;
  agent: string;
  tool: string;
  toolCallId: string;
  /** What will be sent, on this and every later attempt of the effect (an approval's arguments when approved). */
  arguments: Record<string, unknown>;
  argumentsHash: string;
  approvalId: string | null;
}

export interface LedgerRow {
  status: 'pending' | 'done';
  outcome: ToolResult | null;
  arguments: Record<string, unknown> | null;
  approvalId: string | null;
}

/** Outcome of running a write: `final` outcomes are stored and replayed; others (backend down) are not. */
export interface WriteOutcome {
  result: ToolResult;
  final: boolean;
}

/** Executions of one tool in one cumulative-limit scope. */
export interface ScopeTotals {
  amount: number;
  calls: number;
}

type Db = Pick<PoolClient, 'query'>;

// What a cumulative limit counts: executed effects, attempts whose effect is unknown (pending after a transient
// failure, or a 2xx the output schema refused). Business rejections changed nothing and do not count.
const COUNTED = `(status = 'pending' OR outcome->>'status' = 'ok' OR outcome->'error'->>'code' = 'OUTPUT_INVALID')`;

/**
 * The write ledger (gateway.write_ledger), one row per (case, tool, effect). A write is decided (replay, hold, or
 * attempt) under a per-(tenant, tool) lock, and an attempt is committed as `pending` with its arguments; the
 * execution then locks that row while it calls the backend, so a concurrent call for the same effect blocks and
 * replays the stored outcome. Only final outcomes complete the row: if the backend was unreachable the row stays
 * pending and the next call re-sends the stored arguments with the same Idempotency-Key (deduplicated by the backend
 * if the first call did land), whatever free text that call carries.
 */
@Injectable()
export class WriteLedgerRepository {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /** Serialises the decision phase of one tool's writes for one tenant, so two calls cannot both pass a limit. */
  async lockTenantTool(tx: Db, tenantId: string, tool: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`gateway.write|${tenantId}|${tool}`]);
  }

  async find(db: Db, key: string, forUpdate = false): Promise<LedgerRow | undefined> {
    const { rows } = await db.query<{ status: 'pending' | 'done'; outcome: ToolResult | null; arguments: Record<string, unknown> | null; approval_id: string | null }>(
      `SELECT status, outcome, arguments, approval_id FROM gateway.write_ledger WHERE idempotency_key = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [key],
    );
    const r = rows[0];
    return r ? { status: r.status, outcome: r.outcome, arguments: r.arguments, approvalId: r.approval_id } : undefined;
  }

  async insertPending(tx: Db, e: PendingEntry): Promise<void> {
    await tx.query(
      `INSERT INTO gateway.write_ledger (idempotency_key, case_id, task_id, tenant_id, agent, tool, tool_call_id, arguments_hash, approval_id, status,
         effect_hash, effect, arguments, amount)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending',$10,$11,$12,$13) ON CONFLICT (idempotency_key) DO NOTHING`,
      [e.effect.key, e.caseId, e.taskId, e.tenantId, e.agent, e.tool, e.toolCallId, e.argumentsHash, e.approvalId, e.effect.hash,
        JSON.stringify(e.effect.values), JSON.stringify(e.arguments), e.effect.amount],
    );
  }

  /**
   * Sums this tenant's counted executions of `tool` in each limit's scope: the case, the last 24 hours, or the same
   * values of the limit's arguments (taken from this call's effect). One statement for all the tool's limits.
   */
  async totals(tx: Db, at: { tenantId: string; tool: string; caseId: string; effect: Record<string, unknown> }, limits: CumulativeLimit[]): Promise<ScopeTotals[]> {
    const params: unknown[] = [at.tenantId, at.tool];
    const columns = limits.map((limit, i) => {
      let scope: string;
      if (limit.per === 'case') {
        params.push(at.caseId);
        scope = `case_id = $${params.length}`;
      } else if (limit.per === 'tenant-day') {
        scope = `created_at > now() - interval '24 hours'`;
      } else {
        params.push(JSON.stringify(Object.fromEntries(limit.per.map((arg) => [arg, at.effect[arg] ?? null]))));
        scope = `effect @> $${params.length}::jsonb`;
      }
      return `coalesce(sum(amount) FILTER (WHERE ${scope}), 0)::float8 AS a${i}, count(*) FILTER (WHERE ${scope})::int AS c${i}`;
    });
    const { rows } = await tx.query<Record<string, number>>(
      `SELECT ${columns.join(', ')} FROM gateway.write_ledger WHERE tenant_id = $1 AND tool = $2 AND ${COUNTED}`,
      params,
    );
    return limits.map((_, i) => ({ amount: Number(rows[0]![`a${i}`]), calls: Number(rows[0]![`c${i}`]) }));
  }

  /**
   * Executes (or replays) the effect whose row is `key`: locks the row, replays a `done` outcome, otherwise calls
   * `execute` with the stored row and commits a final outcome together with whatever `beforeCommit` writes.
   */
  async executeOnce(
    key: string,
    hooks: {
      /** Runs first inside the transaction (e.g. the superseded-token check). */
      check: (tx: PoolClient) => Promise<void>;
      execute: (row: LedgerRow) => Promise<WriteOutcome>;
      /** Runs inside the ledger transaction before commit (audit row, approval state), replay or not. */
      beforeCommit: (tx: PoolClient, result: ToolResult, replayed: boolean, row: LedgerRow) => Promise<void>;
    },
  ): Promise<{ result: ToolResult; replayed: boolean; committed: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await hooks.check(client);
      const row = await this.find(client, key, true);
      if (!row) throw new Error(`write ledger row ${key} is missing (it is committed before execution)`);
      if (row.status === 'done' && row.outcome) {
        const replay: ToolResult = row.outcome.status === 'ok' ? { ...row.outcome, replayed: true } : row.outcome;
        await hooks.beforeCommit(client, replay, true, row);
        await client.query('COMMIT');
        return { result: replay, replayed: true, committed: true };
      }
      const outcome = await hooks.execute(row);
      if (!outcome.final) {
        await client.query('ROLLBACK');
        return { result: outcome.result, replayed: false, committed: false };
      }
      await client.query(
        `UPDATE gateway.write_ledger SET status = 'done', outcome = $2, http_status = $3, completed_at = now() WHERE idempotency_key = $1`,
        [key, JSON.stringify(outcome.result), httpStatusOf(outcome.result)],
      );
      await hooks.beforeCommit(client, outcome.result, false, row);
      await client.query('COMMIT');
      return { result: outcome.result, replayed: false, committed: true };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Runs `work` in one transaction on its own connection. */
  async transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
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
