import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  envelopeFor, type AgentResult, type DeliveryStatus, type Envelope, type ErrorInfo, type IntakeFindings, type SupervisorCommand, type TicketEvent, type TicketSignal,
} from '@switchboard/contracts';
import type { TaskTokenIssuer } from '@switchboard/task-tokens';
import { describeError, JsonLogger, withLogContext } from '@switchboard/observability';
import { ProcedureSet } from '@switchboard/procedures';
import { inTransaction, Outbox, ProcessedLedger, type OutboxBatch, type OutboxLeasePublisher, type OutboxMessage, type OutboxRecord } from '@switchboard/store';
import { GatewayAdminError, type GatewayAdminPort } from '../gateway/gateway-admin.port';
import { withHelpdeskRef } from '../helpdesk/helpdesk-ref';
import type { Policy } from '../policy/policy.schema';
import { ACTIVE_STATUSES } from '../admission/tenant-admission';
import { decide, initialCase } from './case.machine';
import { policyVersion } from './case-verdicts';
import { CaseCache } from './case-cache';
import { CaseExistsError, CaseVersionConflictError, type CaseRepository, type LockedCase } from './case.repository';
import { DueQuarantineRepository, type DueFailureRecord } from './due-quarantine.repository';
import { GroupCommit } from './group-commit';
import type { CaseEvent, Decision } from './case.types';
import { mergeIntake } from '../intake/ticket-intake';

/** Ledger consumer name: one row per handled message id. */
export const SUPERVISOR_CONSUMER = 'supervisor';

/** Optimistic attempts (cached or unlocked read + version-checked write) before the locked path. */
const FAST_ATTEMPTS = 3;

export type HandleOutcome = 'applied' | 'created' | 'duplicate_ticket' | 'already_processed' | 'unknown_case' | 'queued';

/** A deterministic UUID (v5 layout) so a replayed decision writes byte-identical envelopes. */
export function messageIdFor(caseId: string, causeId: string, index: number): string {
  const h = createHash('sha256').update(`${caseId}|${causeId}|${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** How CaseService writes: the direct publisher for its outbox rows, the clock, the state cache's memory budget. */
export interface CaseServiceOptions {
  /** Publishes a transition's messages right after its commit (leased outbox rows); without it the relay does. */
  publisher?: OutboxLeasePublisher;
  clock?: () => Date;
  /** Bytes of case state the cache may hold (see CaseCache); default 64 MiB. */
  cacheMaxBytes?: number;
  /** Back-off of a case whose tick throws, and how many failed ticks quarantine it (see {@link CaseService.tickDue}). */
  dueRetry?: DueRetryOptions;
  /** Told about every failed tick (metrics). */
  onDueFailure?: (failure: DueFailureRecord & { caseId: string; reason: string }) => void;
  /** Resolution procedures the machine dispatches with (default: none, every intent on the free loop). */
  procedures?: ProcedureSet;
  /** Tenant registry + credential redaction of each new ticket (intake/ticket-intake.ts); throws to refuse it. */
  admit?: (ticket: TicketEvent) => { ticket: TicketEvent; findings: IntakeFindings | null };
  /** Automatic demotion (rollout/rollout.service.ts): the policy to decide with, and a look at every written decision. */
  rollout?: { policy(base: Policy): Policy; afterDecision(decision: Decision): void };
  /**
   * Per-tenant admission (admission/tenant-admission.ts): decides whether a new ticket's case starts now or waits for
   * its tenant to have a free slot; `onSlotFreed` is told when a case left the agents' hands (the scanner's poke).
   */
  admission?: { admitIn(tx: PoolClient, envelope: Envelope<TicketEvent> & { intake?: IntakeFindings }): Promise<'now' | 'queued' | 'has_case'>; onSlotFreed(): void };
  /**
   * Group commit of the hot path (group-commit.ts): events handled at the same time are written in one statement, up
   * to `maxBatch` (1 to 32); `onFlush` is told each batch's size. Without it every event is its own statement.
   */
  groupCommit?: { maxBatch: number; onFlush?: (events: number) => void };
}

/** Back-off of failing due ticks: baseMs, doubling per failure up to maxMs; quarantined after maxFailures. */
export interface DueRetryOptions {
  baseMs: number;
  maxMs: number;
  maxFailures: number;
}

const DEFAULT_DUE_RETRY: DueRetryOptions = { baseMs: 2_000, maxMs: 300_000, maxFailures: 5 };

/**
 * Applies events to cases. The hot path (tickets, agent results, commands) takes the case's last state from the
 * cache (or reads it), runs decide() and writes everything in one statement — ledger row, version-checked state,
 * transitions, checkpoint delta, trace, outbox rows — which is one round trip including its commit (shared with the
 * events of other cases handled at the same time, with `groupCommit`: see GroupCommit); then it publishes
 * the new messages itself (leased outbox rows, see OutboxLeasePublisher). When the case moved on meanwhile (another
 * replica after a rebalance) the write is refused by version, the state re-read and the event decided again; after
 * repeated conflicts, and for duplicate tickets and due ticks, the locked path runs instead (BEGIN, lock, same
 * statement, COMMIT) and the outbox relay publishes.
 */
export class CaseService {
  private readonly logger = new JsonLogger(CaseService.name);
  private readonly ledger: ProcessedLedger;
  private readonly cache: CaseCache;
  private readonly publisher?: OutboxLeasePublisher;
  private readonly clock: () => Date;
  private readonly quarantine: DueQuarantineRepository;
  private readonly dueRetry: DueRetryOptions;
  private readonly onDueFailure?: CaseServiceOptions['onDueFailure'];
  private readonly procedures: ProcedureSet;
  private readonly admit: NonNullable<CaseServiceOptions['admit']>;
  /** The policy's version, recorded with every verdict the ledger keeps. */
  private readonly policyVersion: string;
  private readonly rollout?: CaseServiceOptions['rollout'];
  private readonly admission?: CaseServiceOptions['admission'];
  private readonly group?: GroupCommit;

  constructor(
    private readonly pool: Pool,
    private readonly repo: CaseRepository,
    private readonly policy: Policy,
    private readonly tokens: TaskTokenIssuer,
    private readonly gateway: GatewayAdminPort,
    options: CaseServiceOptions = {},
  ) {
    this.ledger = new ProcessedLedger(pool);
    this.cache = new CaseCache(options.cacheMaxBytes);
    this.publisher = options.publisher;
    this.clock = options.clock ?? (() => new Date());
    this.quarantine = new DueQuarantineRepository(pool);
    this.dueRetry = options.dueRetry ?? DEFAULT_DUE_RETRY;
    this.onDueFailure = options.onDueFailure;
    this.procedures = options.procedures ?? ProcedureSet.empty();
    this.admit = options.admit ?? ((ticket) => ({ ticket, findings: null }));
    this.rollout = options.rollout;
    this.admission = options.admission;
    this.policyVersion = policyVersion(policy);
    if (options.groupCommit && options.groupCommit.maxBatch > 1) {
      this.group = new GroupCommit(
        { one: (input) => repo.applyEvent(pool, input), many: (inputs) => repo.applyEvents(pool, inputs) },
        options.groupCommit.maxBatch,
        options.groupCommit.onFlush,
      );
    }
  }

  /**
   * A new ticket: its case is created and triage dispatched — or, with per-tenant admission, queued when its tenant
   * already has its maximum of cases in the agents' hands (`queued`); the admission scanner creates it later through
   * this same method with `admitted`, under message id `admit:<id>` (the original id's ledger row records the queueing).
   * `intake`: what an earlier admission (the ingress, or this one before the ticket was queued) changed on the ticket.
   */
  async onTicket(envelope: Envelope<TicketEvent>, options: { admitted?: boolean; intake?: IntakeFindings | null } = {}): Promise<HandleOutcome> {
    // Registry region and redaction first: a refused ticket is never queued, a queued one holds no credentials.
    const { ticket, findings } = this.admit(envelope.payload);
    const intake = mergeIntake(findings, options.intake);
    if (this.admission && !options.admitted) return this.onTicketAdmitted({ ...envelope, payload: ticket }, this.admission, intake);
    const now = this.clock();
    const messageId = options.admitted ? `admit:${envelope.id}` : envelope.id;
    const fresh = initialCase(ticket, { caseId: envelope.caseId, correlationId: envelope.correlationId }, this.policy, now);
    const received = { kind: 'ticket_received' as const, messageId, ...(intake ? { intake } : {}) };
    try {
      const written = await this.applyFast({ version: 0, state: fresh }, received, now, true);
      return written ? 'created' : 'already_processed';
    } catch (error) {
      if (!(error instanceof CaseExistsError)) throw error;
    }
    return this.once(messageId, async (tx) => {
      const existing = await this.repo.lock(tx, envelope.caseId);
      await this.applyLocked(tx, existing!, { kind: 'duplicate_ticket', messageId }, now);
      this.logger.info('duplicate ticket recorded on the existing case', { source: envelope.payload.source, externalId: envelope.payload.externalId });
      return 'duplicate_ticket';
    });
  }

  /** The ticket path with admission: decision and creation in one transaction under the tenant's lock (exact cap). */
  private onTicketAdmitted(envelope: Envelope<TicketEvent>, admission: NonNullable<CaseServiceOptions['admission']>, intake: IntakeFindings | null): Promise<HandleOutcome> {
    return this.once(envelope.id, async (tx) => {
      // A queued ticket keeps its intake findings beside it (the admitted ticket is unchanged when admitted again).
      const verdict = await admission.admitIn(tx, intake ? { ...envelope, intake } : envelope);
      if (verdict === 'queued') return 'queued';
      const now = this.clock();
      if (verdict === 'has_case') {
        const existing = await this.repo.lock(tx, envelope.caseId);
        await this.applyLocked(tx, existing!, { kind: 'duplicate_ticket', messageId: envelope.id }, now);
        this.logger.info('duplicate ticket recorded on the existing case', { source: envelope.payload.source, externalId: envelope.payload.externalId });
        return 'duplicate_ticket';
      }
      const fresh = initialCase(envelope.payload, { caseId: envelope.caseId, correlationId: envelope.correlationId }, this.policy, now);
      await this.applyLocked(tx, { version: 0, state: fresh }, { kind: 'ticket_received', messageId: envelope.id, ...(intake ? { intake } : {}) }, now, true);
      return 'created';
    });
  }

  async onAgentResult(envelope: Envelope<AgentResult>): Promise<HandleOutcome> {
    return this.onCaseEvent(envelope.caseId, { kind: 'agent_result', messageId: envelope.id, result: envelope.payload });
  }

  async onCommand(envelope: Envelope<SupervisorCommand>): Promise<HandleOutcome> {
    const command = envelope.payload;
    let gatewayError: string | undefined;
    if (command.command === 'approve' || command.command === 'reject') {
      // The gateway call is outside the transaction; it is idempotent for the same decision, so a redelivery is safe.
      const current = await this.repo.peek(envelope.caseId);
      if (current?.state.status === 'AWAITING_APPROVAL' && current.state.approval?.approvalId === command.approvalId) {
        try {
          if (command.command === 'approve') await this.gateway.approve(command.approvalId, command.by.userId);
          else await this.gateway.reject(command.approvalId, command.by.userId, command.reason);
        } catch (error) {
          if (!(error instanceof GatewayAdminError) || error.retryable) throw error;
          gatewayError = error.message;
        }
      }
    }
    return this.onCaseEvent(envelope.caseId, { kind: 'command', messageId: envelope.id, command, ...(gatewayError ? { gatewayError } : {}) });
  }

  /** A delivery result or a ticket signal from the helpdesk connector: recorded on the case (helpdesk/case-helpdesk.ts). */
  async onHelpdesk(envelope: Envelope<DeliveryStatus> | Envelope<TicketSignal>, topic: 'tickets.deliveries' | 'tickets.signals'): Promise<HandleOutcome> {
    return this.onCaseEvent(envelope.caseId, topic === 'tickets.deliveries'
      ? { kind: 'helpdesk_delivery', messageId: envelope.id, delivery: envelope.payload as DeliveryStatus }
      : { kind: 'helpdesk_signal', messageId: envelope.id, signal: envelope.payload as TicketSignal });
  }

  /** Marks a case FAILED because one of its messages could not be processed (after the bus retries). */
  async markFailed(caseId: string, messageId: string, error: ErrorInfo): Promise<HandleOutcome> {
    return this.onCaseEvent(caseId, { kind: 'internal_failure', messageId: `failed:${messageId}`, error });
  }

  /**
   * Feeds due step deadlines and retries through decide(); returns how many cases were handled. A case whose tick
   * throws does not hold up the others: it is skipped for the rest of this scan, its failure is recorded, its due time
   * backs off, and after `dueRetry.maxFailures` failed ticks it is quarantined with the reason (listed by the
   * quarantine API, logged, counted) until an operator releases it. A failure to lock at all (Postgres down) ends the
   * scan; the next interval tries again.
   */
  async tickDue(max = 100): Promise<number> {
    let handled = 0;
    const failed: string[] = [];
    while (handled + failed.length < max) {
      let picked: (LockedCase & { dueFailures: number }) | undefined;
      try {
        const found = await inTransaction(this.pool, async (tx) => {
          const now = this.clock();
          const current = await this.repo.lockNextDue(tx, now, failed);
          if (!current) return false;
          picked = current;
          const event: CaseEvent = { kind: 'tick', messageId: `tick:${current.state.caseId}:${current.version}` };
          const decision = await this.applyLocked(tx, current, event, now);
          if (!decision.changed) await this.repo.setDue(tx, current.state.caseId, decision.state);
          if (current.dueFailures > 0) await this.quarantine.clearFailures(tx, current.state.caseId);
          return true;
        });
        if (!found) break;
        handled++;
      } catch (error) {
        if (!picked) throw error;
        failed.push(picked.state.caseId);
        await this.recordDueFailure(picked, error);
      }
    }
    return handled;
  }

  private async recordDueFailure(current: LockedCase & { dueFailures: number }, error: unknown): Promise<void> {
    const caseId = current.state.caseId;
    const info = describeError(error);
    const reason = `${info.code}: ${info.message}`;
    const delayMs = Math.min(this.dueRetry.maxMs, this.dueRetry.baseMs * 2 ** current.dueFailures);
    await withLogContext({ caseId, correlationId: current.state.correlationId }, async () => {
      let record: DueFailureRecord | undefined;
      try {
        record = await this.quarantine.recordFailure(caseId, reason, new Date(this.clock().getTime() + delayMs), this.dueRetry.maxFailures);
      } catch (recordError) {
        // Skipped for this scan anyway; the next scan meets it again and tries to record then.
        this.logger.error('due tick failed and the failure could not be recorded', { error: info, recordError: describeError(recordError) });
        return;
      }
      if (!record) return;
      if (record.quarantined) {
        this.logger.error('case quarantined: its due tick keeps failing; the scanner skips it until it is released', { failures: record.failures, error: info });
      } else {
        this.logger.warn('due tick failed; the case backs off while the others go on', { failures: record.failures, retryInMs: delayMs, error: info });
      }
      this.onDueFailure?.({ caseId, reason, ...record });
    });
  }

  private async onCaseEvent(caseId: string, event: CaseEvent): Promise<HandleOutcome> {
    for (let attempt = 1; attempt <= FAST_ATTEMPTS; attempt++) {
      const current = this.cache.get(caseId) ?? (await this.repo.peek(caseId));
      if (!current) {
        this.logger.warn('event for an unknown case ignored', { event: event.kind });
        return 'unknown_case';
      }
      try {
        return (await this.applyFast(current, event, this.clock())) ? 'applied' : 'already_processed';
      } catch (error) {
        this.cache.delete(caseId);
        if (!(error instanceof CaseVersionConflictError)) throw error;
        this.logger.info('case moved on since it was read; deciding again', { attempt, version: current.version });
      }
    }
    return this.once(event.messageId, async (tx) => {
      const current = await this.repo.lock(tx, caseId);
      if (!current) return 'unknown_case';
      await this.applyLocked(tx, current, event, this.clock());
      return 'applied';
    });
  }

  private async once(messageId: string, fn: (tx: PoolClient) => Promise<HandleOutcome>): Promise<HandleOutcome> {
    const result = await this.ledger.runOnce(SUPERVISOR_CONSUMER, messageId, fn);
    return result.status === 'duplicate' ? 'already_processed' : result.value;
  }

  /**
   * The hot path: decide on `current` and write in one autocommit statement (ledger row included); false when the
   * message had been processed already. Then publishes the new messages when their rows were leased to us.
   */
  private async applyFast(current: LockedCase, event: CaseEvent, now: Date, created = false): Promise<boolean> {
    const decision = decide(current.state, event, this.rollout?.policy(this.policy) ?? this.policy, now, this.procedures);
    const outbox = Outbox.batch(decision.changed ? await this.toOutbox(decision, event.messageId, now) : [], this.publisher?.lease);
    const input = {
      ledger: { consumer: SUPERVISOR_CONSUMER, messageId: event.messageId }, previous: current, ...(decision.changed ? { decision } : {}), event, created, outbox,
      policyVersion: this.policyVersion,
    };
    const written = await (this.group ? this.group.apply(input) : this.repo.applyEvent(this.pool, input));
    if (written.result === 'duplicate') return false;
    const caseId = current.state.caseId;
    if (decision.changed) this.cache.set(caseId, { version: current.version + 1, state: decision.state });
    this.afterWrite(decision, event, written.outcomeAccepted);
    if (written.leased && this.publisher) await this.publisher.publish(written.outboxIds, recordsOf(outbox, written.outcomeAccepted));
    return true;
  }

  /** The locked path, inside the caller's transaction (ledger row by the caller); the relay publishes after commit. */
  private async applyLocked(tx: PoolClient, current: LockedCase, event: CaseEvent, now: Date, created = false): Promise<Decision> {
    this.cache.delete(current.state.caseId); // the commit is the caller's; re-read next time
    const decision = decide(current.state, event, this.rollout?.policy(this.policy) ?? this.policy, now, this.procedures);
    if (!decision.changed) return decision;
    const outbox = Outbox.batch(await this.toOutbox(decision, event.messageId, now));
    const written = await this.repo.applyEvent(tx, { previous: current, decision, event, outbox, created, policyVersion: this.policyVersion });
    if (written.result === 'applied') this.afterWrite(decision, event, written.outcomeAccepted);
    return decision;
  }

  private afterWrite(decision: Decision, event: CaseEvent, outcomeAccepted: boolean): void {
    if (!outcomeAccepted) this.logger.error('a second outcome for this run was suppressed', { run: decision.state.run });
    for (const t of decision.transitions) this.logger.info('case transition', { from: t.from, to: t.to, reason: t.reason, event: event.kind });
    this.rollout?.afterDecision(decision);
    if (this.admission && leftTheAgents(decision)) this.admission.onSlotFreed();
  }
  /** Envelopes with deterministic ids; the token a resolver or verifier task requests is minted here, per task. */
  private async toOutbox(decision: Decision, causeId: string, now: Date): Promise<OutboxMessage[]> {
    const s = decision.state;
    return Promise.all(
      decision.emit.map(async (m, i) => {
        const payload = 'token' in m
          ? {
            ...m.payload,
            gatewayToken: await this.tokens.issue(
              { caseId: s.caseId, taskId: m.payload.taskId, tenantId: s.tenantId, region: s.region, agent: m.token.agent, mode: m.token.mode, tools: m.token.tools, scopes: m.token.scopes, seq: s.seq },
              m.token.ttlSeconds,
            ),
          }
          : withHelpdeskRef(m.topic, { ...m.payload }, s);
        const envelope: Envelope<unknown> = envelopeFor(m.topic, payload as never, {
          id: messageIdFor(s.caseId, causeId, i), caseId: s.caseId, tenantId: s.tenantId, region: s.region,
          correlationId: s.correlationId, causationId: causeId, attempt: m.attempt, occurredAt: now.toISOString(),
        });
        return { topic: m.topic, key: s.caseId, value: envelope };
      }),
    );
  }
}

/** The decision moved the case out of the agents' hands (settled, or waiting on a human): a tenant slot came free. */
function leftTheAgents(decision: Decision): boolean {
  const first = decision.transitions[0];
  const last = decision.transitions[decision.transitions.length - 1];
  return first !== undefined && last !== undefined && ACTIVE_STATUSES.includes(first.from) && !ACTIVE_STATUSES.includes(last.to);
}

/** The rows as published: outcome rows were not inserted when the run already had one. */
function recordsOf(outbox: OutboxBatch, outcomeAccepted: boolean): OutboxRecord[] {
  return outcomeAccepted ? outbox.rows : outbox.rows.filter((row) => row.topic !== 'tickets.outcomes');
}
