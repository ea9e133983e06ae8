import type { Pool, PoolClient } from 'pg';
import { SwitchboardError } from '@switchboard/observability';
import { dueAt } from './case.machine';
import type { OutboxBatch } from '@switchboard/store';
import type { CaseContext, CaseCore, CaseEvent, CaseState, CaseTicket, Decision, Transition } from './case.types';
import { diffCore, type CoreDelta } from './checkpoint';
import { decisionVerdicts, type LedgerVerdict } from './case-verdicts';

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

/** SQLSTATEs raised by supervisor.apply_transition (migration 026). */
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
  /** What is recorded of the event: its kind and message id. */
  event: Pick<CaseEvent, 'kind' | 'messageId'>;
  created?: boolean;
  /** The decision's messages (Outbox.batch), with the direct publisher's lease when it publishes them itself. */
  outbox: OutboxBatch;
  /** The version of the policy the decision was taken under (case-verdicts.ts policyVersion), kept with its verdicts. */
  policyVersion: string;
}

/** A trace row as apply_transition inserts it. */
interface TraceRow {
  kind: string;
  agent: string | null;
  taskId: string | null;
  data: Record<string, unknown>;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/**
 * The case's part of one written event, the first argument of `supervisor.apply_transition` (migration 026, which
 * documents the same shape): built in one place ({@link transitionWrite}) from the decision, sent as one JSON value.
 */
export interface TransitionWrite {
  ledger?: { consumer: string; messageId: string };
  caseId: string;
  /** The version this event makes; the row must still be at `version - 1`. */
  version: number;
  event: { kind: CaseEvent['kind']; messageId: string };
  /** Absent when the event changed nothing. */
  change?: {
    create: boolean;
    status: string;
    mode: string;
    intent: string | null;
    state: CaseCore;
    /** Only with `create`: the ticket is written once. */
    ticket?: CaseTicket['ticket'];
    /** Only when triage or passages changed: the larger, rarely changing part of the state. */
    context?: CaseContext;
    dueAt: string | null;
    at: string;
    transitions: Transition[];
    /** Checkpoint: the changed fields of the core (the whole core for a new case). */
    delta: CoreDelta;
    trace: TraceRow[];
    /** The run's terminal outcome, recorded at most once per run. */
    outcome?: { run: number; status: string };
    /** The guardrail verdicts the decision records, appended to the control-verdict ledger with their rule versions. */
    verdicts: LedgerVerdict[];
  };
}

/** The case's part of `input` as apply_transition takes it (pure; the outbox is libs/store's part). */
export function transitionWrite(input: Omit<ApplyEventInput, 'outbox'>): TransitionWrite {
  const { previous, decision, event } = input;
  const base = {
    ...(input.ledger ? { ledger: input.ledger } : {}),
    caseId: previous.state.caseId, version: previous.version + 1, event: { kind: event.kind, messageId: event.messageId },
  };
  if (!decision) return base;
  const next = decision.state;
  const created = input.created ?? false;
  const core = coreOf(next);
  const context = contextOf(next);
  const contextChanged = created || JSON.stringify(context) !== JSON.stringify(contextOf(previous.state));
  const outcome = decision.emit.find((m) => m.topic === 'tickets.outcomes');
  return {
    ...base,
    change: {
      create: created, status: next.status, mode: next.mode, intent: next.intent ?? null, state: core,
      ...(created ? { ticket: next.ticket } : {}), ...(contextChanged ? { context } : {}),
      dueAt: dueAt(next), at: next.updatedAt, transitions: decision.transitions,
      delta: diffCore(created ? {} : (coreOf(previous.state) as unknown as Record<string, unknown>), core as unknown as Record<string, unknown>),
      trace: decision.trace.map((t) => ({
        kind: t.kind, agent: t.agent ?? null, taskId: t.taskId ?? null, data: t.data,
        inputTokens: t.usage?.inputTokens ?? null, outputTokens: t.usage?.outputTokens ?? null, costUsd: t.usage?.costUsd ?? null,
      })),
      ...(outcome && next.outcomeRun !== undefined ? { outcome: { run: next.outcomeRun, status: outcome.payload.status } } : {}),
      verdicts: decisionVerdicts(decision, input.policyVersion),
    },
  };
}

export type ApplyEventResult =
  | { result: 'duplicate' }
  | { result: 'applied'; outcomeAccepted: boolean; outboxIds: string[]; leased: boolean };

// One statement: see apps/supervisor/migrations/026_apply_transition.sql. Named, so each connection parses and plans it once.
const APPLY_SQL = 'SELECT supervisor.apply_transition($1::jsonb, $2::jsonb) AS r';
// Several events in one statement, each in its own subtransaction: migrations/028_apply_transitions.sql.
const APPLY_MANY_SQL = 'SELECT supervisor.apply_transitions($1::jsonb) AS r';

type RawApplyResult = { result: 'duplicate' } | { result: 'applied'; outcomeAccepted: boolean; outboxIds: number[]; leased: boolean };

function toResult(r: RawApplyResult): ApplyEventResult {
  return r.result === 'duplicate' ? r : { ...r, outboxIds: r.outboxIds.map(String) };
}

/** The error an item's SQLSTATE stands for: the two apply_transition raises, or the Postgres error as pg reports it. */
function itemError(input: ApplyEventInput, failure: { code?: string; message?: string }): Error {
  const { caseId } = input.previous.state;
  if (failure.code === VERSION_CONFLICT) return new CaseVersionConflictError(caseId, input.previous.version);
  if (failure.code === CASE_EXISTS) return new CaseExistsError(caseId);
  return Object.assign(new Error(failure.message ?? 'apply_transition failed'), { code: failure.code });
}

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
   * Writes one event in one statement (supervisor.apply_transition): ledger row, new case, state and version, transitions,
   * checkpoint delta, trace, outcome guard and outbox rows; with the pool it is one round trip including the commit.
   * Throws {@link CaseVersionConflictError} when the case moved on since `previous` was read and
   * {@link CaseExistsError} when a new case already exists — nothing is written then. Outcome rows are dropped from
   * the outbox when one was already recorded for the run (`outcomeAccepted: false`).
   */
  async applyEvent(db: Queryable, input: ApplyEventInput): Promise<ApplyEventResult> {
    try {
      const { rows } = await db.query<{ r: RawApplyResult }>({
        name: 'supervisor.apply_transition', text: APPLY_SQL, values: [JSON.stringify(transitionWrite(input)), JSON.stringify(input.outbox)],
      });
      return toResult(rows[0]!.r);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === VERSION_CONFLICT || code === CASE_EXISTS) throw itemError(input, { code });
      throw error;
    }
  }

  /**
   * Writes several events, of different cases, in one autocommit statement (supervisor.apply_transitions): one round
   * trip and one commit for all. Each event is written as {@link applyEvent} would, in its own subtransaction: the
   * result at each index is that event's result, or the error it alone failed with (nothing of it written). A failure
   * of the statement itself (connection, timeout) rejects, and none of the events is written.
   */
  async applyEvents(db: Queryable, inputs: readonly ApplyEventInput[]): Promise<Array<ApplyEventResult | Error>> {
    const items = inputs.map((input) => `{"w":${JSON.stringify(transitionWrite(input))},"o":${JSON.stringify(input.outbox)}}`);
    const { rows } = await db.query<{ r: Array<RawApplyResult | { error: { code?: string; message?: string } }> }>({
      name: 'supervisor.apply_transitions', text: APPLY_MANY_SQL, values: [`[${items.join(',')}]`],
    });
    const results = rows[0]!.r;
    if (results.length !== inputs.length) throw new Error(`apply_transitions answered ${results.length} results for ${inputs.length} events`);
    return results.map((r, i) => ('error' in r ? itemError(inputs[i]!, r.error) : toResult(r)));
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
