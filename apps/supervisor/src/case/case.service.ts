import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  TOPIC_SPECS, type AgentResult, type Envelope, type ErrorInfo, type SupervisorCommand, type TicketEvent,
} from '@switchboard/contracts';
import type { TaskTokenIssuer } from '@switchboard/gateway-client';
import { JsonLogger } from '@switchboard/observability';
import { inTransaction, Outbox, ProcessedLedger, type OutboxMessage } from '@switchboard/store';
import { GatewayAdminError, type GatewayAdminPort } from '../gateway/gateway-admin.port';
import type { Policy } from '../policy/policy.schema';
import { decide, initialCase } from './case.machine';
import type { CaseRepository, LockedCase } from './case.repository';
import type { CaseEvent, Decision } from './case.types';

/** Ledger consumer name: one row per handled message id. */
export const SUPERVISOR_CONSUMER = 'supervisor';

export type HandleOutcome = 'applied' | 'created' | 'duplicate_ticket' | 'already_processed' | 'unknown_case';

/** A deterministic UUID (v5 layout) so a replayed decision writes byte-identical envelopes. */
export function messageIdFor(caseId: string, causeId: string, index: number): string {
  const h = createHash('sha256').update(`${caseId}|${causeId}|${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * Applies events to cases: each event is one transaction (ledger row, locked case, decide(), state + transitions +
 * checkpoint + trace, outbox). Nothing is published here; the outbox relay does that after commit.
 */
export class CaseService {
  private readonly logger = new JsonLogger(CaseService.name);
  private readonly ledger: ProcessedLedger;

  constructor(
    private readonly pool: Pool,
    private readonly repo: CaseRepository,
    private readonly policy: Policy,
    private readonly tokens: TaskTokenIssuer,
    private readonly gateway: GatewayAdminPort,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.ledger = new ProcessedLedger(pool);
  }

  async onTicket(envelope: Envelope<TicketEvent>): Promise<HandleOutcome> {
    return this.once(envelope.id, async (tx) => {
      const now = this.clock();
      const fresh = initialCase(envelope.payload, { caseId: envelope.caseId, correlationId: envelope.correlationId }, this.policy, now);
      if (await this.repo.insertNew(tx, fresh)) {
        await this.apply(tx, { version: 0, state: fresh }, { kind: 'ticket_received', messageId: envelope.id }, now, true);
        return 'created';
      }
      const existing = await this.repo.lock(tx, envelope.caseId);
      await this.apply(tx, existing!, { kind: 'duplicate_ticket', messageId: envelope.id }, now);
      this.logger.info('duplicate ticket recorded on the existing case', { source: envelope.payload.source, externalId: envelope.payload.externalId });
      return 'duplicate_ticket';
    });
  }

  async onAgentResult(envelope: Envelope<AgentResult>): Promise<HandleOutcome> {
    return this.onCaseEvent(envelope.caseId, envelope.id, { kind: 'agent_result', messageId: envelope.id, result: envelope.payload });
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
    return this.onCaseEvent(envelope.caseId, envelope.id, { kind: 'command', messageId: envelope.id, command, ...(gatewayError ? { gatewayError } : {}) });
  }

  /** Marks a case FAILED because one of its messages could not be processed (after the bus retries). */
  async markFailed(caseId: string, messageId: string, error: ErrorInfo): Promise<HandleOutcome> {
    return this.onCaseEvent(caseId, `failed:${messageId}`, { kind: 'internal_failure', messageId: `failed:${messageId}`, error });
  }

  /** Feeds due step deadlines and retries through decide(); returns how many cases were handled. */
  async tickDue(max = 100): Promise<number> {
    let handled = 0;
    while (handled < max) {
      const found = await inTransaction(this.pool, async (tx) => {
        const now = this.clock();
        const current = await this.repo.lockNextDue(tx, now);
        if (!current) return false;
        const event: CaseEvent = { kind: 'tick', messageId: `tick:${current.state.caseId}:${current.version}` };
        const decision = await this.apply(tx, current, event, now);
        if (!decision.changed) await this.repo.setDue(tx, current.state.caseId, decision.state);
        return true;
      });
      if (!found) break;
      handled++;
    }
    return handled;
  }

  private async onCaseEvent(caseId: string, messageId: string, event: CaseEvent): Promise<HandleOutcome> {
    return this.once(messageId, async (tx) => {
      const current = await this.repo.lock(tx, caseId);
      if (!current) {
        this.logger.warn('event for an unknown case ignored', { event: event.kind });
        return 'unknown_case';
      }
      await this.apply(tx, current, event, this.clock());
      return 'applied';
    });
  }

  private async once(messageId: string, fn: (tx: PoolClient) => Promise<HandleOutcome>): Promise<HandleOutcome> {
    const result = await this.ledger.runOnce(SUPERVISOR_CONSUMER, messageId, fn);
    return result.status === 'duplicate' ? 'already_processed' : result.value;
  }

  private async apply(tx: PoolClient, current: LockedCase, event: CaseEvent, now: Date, created = false): Promise<Decision> {
    const decision = decide(current.state, event, this.policy, now);
    if (!decision.changed) return decision;
    const messages = await this.toOutbox(decision, event.messageId, now);
    const { outcomeAccepted } = await this.repo.save(tx, current, decision, event, { created });
    if (!outcomeAccepted) this.logger.error('a second outcome for this run was suppressed', { run: decision.state.run });
    await Outbox.add(tx, outcomeAccepted ? messages : messages.filter((m) => m.topic !== 'tickets.outcomes'));
    for (const t of decision.transitions) this.logger.info('case transition', { from: t.from, to: t.to, reason: t.reason, event: event.kind });
    return decision;
  }

  /** Envelopes with deterministic ids; resolver and verifier tasks get a freshly minted task token. */
  private async toOutbox(decision: Decision, causeId: string, now: Date): Promise<OutboxMessage[]> {
    const s = decision.state;
    return Promise.all(
      decision.emit.map(async (m, i) => {
        const payload = { ...m.payload } as Record<string, unknown>;
        if ('token' in m && m.token) {
          payload.gatewayToken = await this.tokens.issue(
            { caseId: s.caseId, taskId: String(payload.taskId), tenantId: s.tenantId, region: s.region, agent: m.token.agent, mode: m.token.mode, tools: ['*'], scopes: m.token.scopes },
            m.token.ttlSeconds,
          );
        }
        const envelope: Envelope<unknown> = {
          id: messageIdFor(s.caseId, causeId, i), type: TOPIC_SPECS[m.topic].type, version: 1, caseId: s.caseId, tenantId: s.tenantId,
          region: s.region, correlationId: s.correlationId, causationId: causeId.slice(0, 200), attempt: m.attempt, occurredAt: now.toISOString(), payload,
        };
        return { topic: m.topic, key: s.caseId, value: envelope };
      }),
    );
  }
}
