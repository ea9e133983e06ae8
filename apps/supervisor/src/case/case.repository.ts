import type { Pool, PoolClient } from 'pg';
import type { CaseStatus } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { dueAt } from './case.machine';
import type { CaseContext, CaseCore, CaseEvent, CaseState, Decision } from './case.types';
import { diffCore } from './checkpoint';

/** A case row as read under lock: its version and the full state (core + ticket + context). */
export interface LockedCase {
  version: number;
  state: CaseState;
}

/** The row changed under us although it was locked: a bug or a manual edit. Retried by the bus. */
export class CaseVersionConflictError extends SwitchboardError {
  constructor(caseId: string, version: number) {
    super('SUPERVISOR.VERSION_CONFLICT', 'system', `case ${caseId} is no longer at version ${version}`);
  }
}

export function coreOf(state: CaseState): CaseCore {
  const { ticket: _ticket, triage: _triage, passages: _passages, ...core } = state;
  return core;
}

function contextOf(state: CaseState): CaseContext {
  return { ...(state.triage ? { triage: state.triage } : {}), passages: state.passages };
}

const SELECT_CASE = 'SELECT version, state, ticket, context FROM supervisor.cases';

function toLocked(row: { version: number; state: CaseCore; ticket: CaseState['ticket']; context: CaseContext }): LockedCase {
  return { version: row.version, state: { ...row.state, ticket: row.ticket, ...row.context, passages: row.context.passages ?? [] } };
}

// One statement (one round trip) writes the new state, the transitions, the checkpoint delta, the trace entries and
// the outcome guard; every insert is conditioned on the version-checked update.
const SAVE_SQL = `
WITH u AS (
  UPDATE supervisor.cases SET status = $2, mode = $3, intent = $4, version = $5, state = $6::jsonb,
         context = COALESCE($7::jsonb, context), due_at = $8::timestamptz, updated_at = $9::timestamptz
   WHERE case_id = $1 AND version = $5 - 1
  RETURNING case_id
), t AS (
  INSERT INTO supervisor.transitions (case_id, version, from_status, to_status, reason, event, message_id, at)
  SELECT $1, $5, x.v->>'from_status', x.v->>'to_status', x.v->>'reason', $10, $11, $9::timestamptz
    FROM u, jsonb_array_elements($12::jsonb) WITH ORDINALITY AS x(v, n) ORDER BY x.n
), c AS (
  INSERT INTO supervisor.checkpoints (case_id, version, status, event, delta, at)
  SELECT $1, $5, $2, $10, $13::jsonb, $9::timestamptz FROM u
), r AS (
  INSERT INTO supervisor.trace (case_id, version, kind, agent, task_id, data, input_tokens, output_tokens, cost_usd, at)
  SELECT $1, $5, x.v->>'kind', x.v->>'agent', x.v->>'task_id', x.v->'data', (x.v->>'input_tokens')::int, (x.v->>'output_tokens')::int,
         (x.v->>'cost_usd')::numeric, $9::timestamptz
    FROM u, jsonb_array_elements($14::jsonb) WITH ORDINALITY AS x(v, n) ORDER BY x.n
), o AS (
  INSERT INTO supervisor.outcomes (case_id, run, status, at)
  SELECT $1, $15::int, $16, $9::timestamptz FROM u WHERE $15::int IS NOT NULL
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM u)::int AS updated, (SELECT count(*) FROM o)::int AS outcomes`;

/** Postgres persistence of cases (schema `supervisor`): the only place SQL about cases is written. */
export class CaseRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts a new case at version 0; false when the case already exists (duplicate ingress). */
  async insertNew(tx: PoolClient, state: CaseState): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, version, state, ticket, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $10) ON CONFLICT (case_id) DO NOTHING`,
      [state.caseId, state.tenantId, state.region, state.ticket.source, state.ticket.externalId, state.status, state.mode, coreOf(state), state.ticket, state.createdAt],
    );
    return rowCount === 1;
  }

  async lock(tx: PoolClient, caseId: string): Promise<LockedCase | undefined> {
    const { rows } = await tx.query(`${SELECT_CASE} WHERE case_id = $1 FOR UPDATE`, [caseId]);
    return rows[0] ? toLocked(rows[0]) : undefined;
  }

  /** Without a lock, for the pre-checks done outside the transaction (approvals). */
  async peek(caseId: string): Promise<LockedCase | undefined> {
    const { rows } = await this.pool.query(`${SELECT_CASE} WHERE case_id = $1`, [caseId]);
    return rows[0] ? toLocked(rows[0]) : undefined;
  }

  /** The next case whose deadline or retry is due, locked; cases locked by another handler are skipped. */
  async lockNextDue(tx: PoolClient, now: Date): Promise<LockedCase | undefined> {
    const { rows } = await tx.query(
      `${SELECT_CASE} WHERE due_at <= $1 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now.toISOString()],
    );
    return rows[0] ? toLocked(rows[0]) : undefined;
  }

  /** Moves a case's due time without a transition (a tick that found nothing due). */
  async setDue(tx: PoolClient, caseId: string, state: CaseState): Promise<void> {
    await tx.query('UPDATE supervisor.cases SET due_at = $2 WHERE case_id = $1', [caseId, dueAt(state)]);
  }

  /**
   * Writes one decision: new state and version, transitions, checkpoint delta, trace, outcome guard. Returns whether
   * the outcome (if any) was accepted; false means one was already recorded for this run and must not be sent.
   */
  async save(tx: PoolClient, previous: LockedCase, decision: Decision, event: CaseEvent, options: { created: boolean }): Promise<{ outcomeAccepted: boolean }> {
    const next = decision.state;
    const version = previous.version + 1;
    const delta = diffCore(options.created ? {} : (coreOf(previous.state) as unknown as Record<string, unknown>), coreOf(next) as unknown as Record<string, unknown>);
    const contextChanged = options.created || JSON.stringify(contextOf(next)) !== JSON.stringify(contextOf(previous.state));
    const outcome = decision.emit.find((m) => m.topic === 'tickets.outcomes');
    const trace = decision.trace.map((t) => ({
      kind: t.kind, agent: t.agent ?? null, task_id: t.taskId ?? null, data: t.data,
      input_tokens: t.usage?.inputTokens ?? null, output_tokens: t.usage?.outputTokens ?? null, cost_usd: t.usage?.costUsd ?? null,
    }));
    const transitions = decision.transitions.map((t) => ({ from_status: t.from, to_status: t.to, reason: t.reason }));
    const { rows } = await tx.query<{ updated: number; outcomes: number }>(SAVE_SQL, [
      next.caseId, next.status, next.mode, next.intent ?? null, version, coreOf(next), contextChanged ? contextOf(next) : null,
      dueAt(next), next.updatedAt, event.kind, event.messageId, JSON.stringify(transitions), delta, JSON.stringify(trace),
      outcome ? next.outcomeRun : null, outcome ? (outcome.payload as { status: string }).status : null,
    ]);
    if (rows[0]!.updated !== 1) throw new CaseVersionConflictError(next.caseId, previous.version);
    return { outcomeAccepted: !outcome || rows[0]!.outcomes === 1 };
  }

  /** A case with its transitions, trace and outcomes, for the API and the console. */
  async find(caseId: string, traceLimit = 2000): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.pool.query(
      `SELECT case_id, tenant_id, region, source, external_id, status, mode, intent, version, state, ticket, context, due_at, created_at, updated_at
         FROM supervisor.cases WHERE case_id = $1`,
      [caseId],
    );
    if (!rows[0]) return undefined;
    const [transitions, trace, outcomes, checkpoints] = await Promise.all([
      this.pool.query('SELECT version, from_status, to_status, reason, event, message_id, at FROM supervisor.transitions WHERE case_id = $1 ORDER BY id', [caseId]),
      this.pool.query('SELECT id::text AS id, version, kind, agent, task_id, data, input_tokens, output_tokens, cost_usd::float8 AS cost_usd, at FROM supervisor.trace WHERE case_id = $1 ORDER BY supervisor.trace.id LIMIT $2', [caseId, traceLimit]),
      this.pool.query('SELECT run, status, at FROM supervisor.outcomes WHERE case_id = $1 ORDER BY run', [caseId]),
      this.pool.query('SELECT count(*)::int AS n FROM supervisor.checkpoints WHERE case_id = $1', [caseId]),
    ]);
    return { ...rows[0], transitions: transitions.rows, trace: trace.rows, outcomes: outcomes.rows, checkpoints: checkpoints.rows[0].n };
  }

  /**
   * The inbox: cases in `statuses`, optionally filtered, most urgent priority first, then most recently changed.
   * `reason` matches the escalation breaker exactly or a substring of the escalation reason.
   */
  async list(statuses: readonly CaseStatus[], limit: number, filters: CaseListFilters = {}): Promise<Array<Record<string, unknown>>> {
    const reasonLike = filters.reason ? `%${filters.reason.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await this.pool.query(
      `SELECT case_id, tenant_id, region, status, mode, intent, state->'escalation' AS escalation, state->'approval' AS approval,
              ticket->>'subject' AS subject, priority, created_at, updated_at
         FROM (SELECT *, COALESCE(context->'triage'->>'priority', ticket->>'priority', 'normal') AS priority FROM supervisor.cases) c
        WHERE status = ANY($1::text[])
          AND ($3::text IS NULL OR tenant_id = $3) AND ($4::text IS NULL OR intent = $4) AND ($5::text IS NULL OR region = $5)
          AND ($6::text IS NULL OR state->'escalation'->>'breaker' = $6 OR state->'escalation'->>'reason' ILIKE $7)
        ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, updated_at DESC
        LIMIT $2`,
      [statuses, limit, filters.tenant ?? null, filters.intent ?? null, filters.region ?? null, filters.reason ?? null, reasonLike],
    );
    return rows;
  }
}

export interface CaseListFilters {
  tenant?: string;
  intent?: string;
  region?: string;
  reason?: string;
}
