import type { Pool, PoolClient } from 'pg';
import { SwitchboardError } from '@switchboard/observability';
import { dueAt } from './case.machine';
import type { PreparedOutbox } from '@switchboard/store';
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

/** SQLSTATEs raised by supervisor.apply_event (migration 003). */
const VERSION_CONFLICT = 'SBVER';
const CASE_EXISTS = 'SBEXI';

/** A new case's ticket insert found the case already there (duplicate ingress). */
export class CaseExistsError extends SwitchboardError {
  constructor(caseId: string) {
    super('SUPERVISOR.CASE_EXISTS', 'system', `case ${caseId} already exists`);
  }
}

/** Whatever runs a query: the pool (autocommit, one statement = one transaction) or a client inside a transaction. */
type Queryable = Pick<Pool, 'query'> | PoolClient;

/** One event to write with {@link CaseRepository.applyEvent}. */
export interface ApplyEventInput {
  /** Ledger row (consumer, message id) written with the effect; absent when the caller keeps its own ledger row. */
  ledger?: { consumer: string; messageId: string };
  /** The state the decision was taken on; version 0 with `created` for a new case. */
  previous: LockedCase;
  /** Absent when the event changed nothing (only the ledger row is written). */
  decision?: Decision;
  event: CaseEvent;
  created?: boolean;
  outbox: PreparedOutbox;
  /** Rows are leased to this publisher (direct publish after commit) unless an earlier row of the case is pending. */
  lease?: { owner: string; ms: number };
}

export type ApplyEventResult =
  | { result: 'duplicate' }
  | { result: 'applied'; outcomeAccepted: boolean; outboxIds: string[]; leased: boolean };

// One statement: see apps/supervisor/migrations/003_apply_event.sql. Named, so each connection parses and plans it once.
const APPLY_SQL = `SELECT supervisor.apply_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
  $21::text[], $22::text[], $23::text[], $24::jsonb[], $25, $26) AS r`;

/** Postgres persistence of cases (schema `supervisor`): the only place SQL about cases is written. */
export class CaseRepository {
  constructor(private readonly pool: Pool) {}

  async lock(tx: PoolClient, caseId: string): Promise<LockedCase | undefined> {
    const { rows } = await tx.query(`${SELECT_CASE} WHERE case_id = $1 FOR UPDATE`, [caseId]);
    return rows[0] ? toLocked(rows[0]) : undefined;
  }

  /** Without a lock, for the pre-checks done outside the transaction (approvals). */
  async peek(caseId: string): Promise<LockedCase | undefined> {
    const { rows } = await this.pool.query(`${SELECT_CASE} WHERE case_id = $1`, [caseId]);
    return rows[0] ? toLocked(rows[0]) : undefined;
  }

  /**
   * The next case whose deadline or retry is due, locked, with its count of failed ticks; cases locked by another
   * handler, quarantined cases (see DueQuarantineRepository) and `skip` (cases that failed earlier in this scan) are
   * passed over.
   */
  async lockNextDue(tx: PoolClient, now: Date, skip: readonly string[] = []): Promise<(LockedCase & { dueFailures: number }) | undefined> {
    const { rows } = await tx.query(
      `SELECT version, state, ticket, context, due_failures FROM supervisor.cases
        WHERE due_at <= $1 AND quarantined_at IS NULL AND NOT (case_id = ANY($2::text[]))
        ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), skip],
    );
    return rows[0] ? { ...toLocked(rows[0]), dueFailures: rows[0].due_failures as number } : undefined;
  }

  /** Moves a case's due time without a transition (a tick that found nothing due). */
  async setDue(tx: PoolClient, caseId: string, state: CaseState): Promise<void> {
    await tx.query('UPDATE supervisor.cases SET due_at = $2 WHERE case_id = $1', [caseId, dueAt(state)]);
  }

  /**
   * Writes one event in one statement (supervisor.apply_event): ledger row, new case, state and version, transitions,
   * checkpoint delta, trace, outcome guard and outbox rows; with the pool it is one round trip including the commit.
   * Throws {@link CaseVersionConflictError} when the case moved on since `previous` was read and
   * {@link CaseExistsError} when a new case already exists — nothing is written then. Outcome rows are dropped from
   * the outbox when one was already recorded for the run (`outcomeAccepted: false`).
   */
  async applyEvent(db: Queryable, input: ApplyEventInput): Promise<ApplyEventResult> {
    const { previous, decision, event, outbox } = input;
    const next = decision?.state;
    const version = previous.version + 1;
    let params: unknown[] = [null, null, null, null, null, null, null, null, null, null, null, null];
    if (next && decision) {
      const created = input.created ?? false;
      const delta = diffCore(created ? {} : (coreOf(previous.state) as unknown as Record<string, unknown>), coreOf(next) as unknown as Record<string, unknown>);
      const contextChanged = created || JSON.stringify(contextOf(next)) !== JSON.stringify(contextOf(previous.state));
      const outcome = decision.emit.find((m) => m.topic === 'tickets.outcomes');
      const trace = decision.trace.map((t) => ({
        kind: t.kind, agent: t.agent ?? null, task_id: t.taskId ?? null, data: t.data,
        input_tokens: t.usage?.inputTokens ?? null, output_tokens: t.usage?.outputTokens ?? null, cost_usd: t.usage?.costUsd ?? null,
      }));
      const transitions = decision.transitions.map((t) => ({ from_status: t.from, to_status: t.to, reason: t.reason }));
      params = [
        created, next.caseId, version, next.status, next.mode, next.intent ?? null, coreOf(next), created ? next.ticket : null,
        contextChanged ? contextOf(next) : null, dueAt(next), next.updatedAt, event.kind, event.messageId, JSON.stringify(transitions), delta,
        JSON.stringify(trace), outcome ? next.outcomeRun : null, outcome ? (outcome.payload as { status: string }).status : null,
      ];
    } else {
      // Nothing changed: only the ledger row, if the state it was decided on is still the current one.
      params = [false, previous.state.caseId, version, null, null, null, null, null, null, null, null, event.kind, event.messageId, '[]', null, '[]', null, null];
    }
    try {
      const { rows } = await db.query<{ r: { result: 'duplicate' } | { result: 'applied'; outcomeAccepted: boolean; outboxIds: number[]; leased: boolean } }>({ name: 'supervisor.apply_event', text: APPLY_SQL, values: [
        input.ledger?.consumer ?? null, input.ledger?.messageId ?? null, ...params,
        outbox.topics, outbox.keys, outbox.values, outbox.headers, input.lease?.owner ?? null, input.lease?.ms ?? null,
      ] });
      const r = rows[0]!.r;
      return r.result === 'duplicate' ? r : { ...r, outboxIds: r.outboxIds.map(String) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === VERSION_CONFLICT) throw new CaseVersionConflictError(previous.state.caseId, previous.version);
      if (code === CASE_EXISTS) throw new CaseExistsError(previous.state.caseId);
      throw error;
    }
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
}
