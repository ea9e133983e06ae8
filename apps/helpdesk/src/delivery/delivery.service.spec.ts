import type { CaseOutcome, DeliveryStatus, Envelope, InternalNote, TicketRef } from '@switchboard/contracts';
import { HelpdeskUnavailableError, TicketNotFoundError } from '../adapters/helpdesk.errors';
import { HelpdeskPort, type DeliveryReceipt, type DeliveryRequest } from '../adapters/helpdesk.port';
import { parseRouting } from '../routing/routing.loader';
import { deliveryIdFor } from './delivery-id';
import type { CaseMeta, DeliveryRepository, KnownTicket, StoredDelivery } from './delivery.repository';
import { DeliveryService, UnknownDeliveryError } from './delivery.service';

const CASE = 'case_0123456789abcdef01234567';
const NOW = new Date('2026-11-21T10:00:00Z');

/** Named double of the helpdesk: answers each delivery with the next scripted answer; fails on an unscripted call. */
class ScriptedHelpdesk extends HelpdeskPort {
  readonly target = 'zendesk' as const;
  readonly requests: DeliveryRequest[] = [];
  readonly answers: Array<DeliveryReceipt | Error> = [];

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    this.requests.push(request);
    const next = this.answers.shift();
    if (!next) throw new Error(`unexpected delivery ${request.deliveryId}`);
    if (next instanceof Error) throw next;
    return next;
  }
}

/** Named in-memory double of the delivery repository (same contract as the Postgres one). */
class InMemoryDeliveries implements Pick<DeliveryRepository, 'recordTicket' | 'ticketOfCase' | 'startAttempt' | 'find' | 'finish' | 'report'> {
  readonly rows = new Map<string, StoredDelivery>();
  readonly tickets = new Map<string, KnownTicket>();
  readonly statuses: Array<Envelope<DeliveryStatus>> = [];

  async recordTicket(): Promise<void> {
    throw new Error('unexpected recordTicket');
  }

  async ticketOfCase(caseId: string): Promise<KnownTicket | undefined> {
    return this.tickets.get(caseId);
  }

  async startAttempt(d: { deliveryId: string; caseId: string; kind: StoredDelivery['kind']; run: number; target: StoredDelivery['target']; request: DeliveryRequest; meta: CaseMeta }): Promise<StoredDelivery> {
    const row = this.rows.get(d.deliveryId);
    if (row) {
      if (row.status !== 'delivered') row.attempts++;
      return { ...row };
    }
    const fresh: StoredDelivery = { ...d, status: 'pending', attempts: 1, helpdeskTicketId: null, ticketUrl: null, recovered: false, reason: null };
    this.rows.set(d.deliveryId, fresh);
    return { ...fresh };
  }

  async find(deliveryId: string): Promise<StoredDelivery | undefined> {
    return this.rows.get(deliveryId);
  }

  async finish(d: StoredDelivery, status: DeliveryStatus, envelope: Envelope<DeliveryStatus>): Promise<void> {
    const row = this.rows.get(d.deliveryId)!;
    row.status = status.status;
    row.reason = status.reason ?? null;
    this.statuses.push(envelope);
  }

  async report(_caseId: string, envelope: Envelope<DeliveryStatus>): Promise<void> {
    this.statuses.push(envelope);
  }
}

const routing = parseRouting(`
version: 1
reply: { status: pending }
escalation:
  default: { group: 10, tags: [escalated] }
  routes: [{ when: { reason: unverified }, group: 20, priority: high }]
`);
const env = <P>(payload: P, id = '7d0c3a52-7d43-4d1e-9a6e-1df6f7a3f0a1'): Envelope<P> => ({
  id, type: 't', version: 1, caseId: CASE, tenantId: 'acme', region: 'us-east-1', correlationId: CASE, causationId: null, attempt: 0, occurredAt: NOW.toISOString(), payload,
});
const ref: TicketRef = { source: 'zendesk', externalId: '4711' };
const outcome = (over: Partial<CaseOutcome>): CaseOutcome => ({ status: 'ESCALATED', mode: 'autonomous', reason: 'needs a human', summary: 'Refund', verified: false, ticket: ref, run: 1, ...over });
const note: InternalNote = { mode: 'assist', body: 'context', proposedActions: [], ticket: ref, run: 1 };

describe('DeliveryService', () => {
  let helpdesk: ScriptedHelpdesk;
  let repo: InMemoryDeliveries;
  let sut: DeliveryService;
  beforeEach(() => {
    helpdesk = new ScriptedHelpdesk();
    repo = new InMemoryDeliveries();
    sut = new DeliveryService(repo as unknown as DeliveryRepository, helpdesk, routing, { clock: () => NOW });
  });

  it('posts a reply publicly with the table\'s status and reports it delivered, once per run', async () => {
    helpdesk.answers.push({ alreadyThere: false, helpdeskTicketId: '4711', ticketUrl: 'https://acme.zendesk.com/agent/tickets/4711' });
    const reply = env({ source: 'zendesk', externalId: '4711', to: 'a@b.example', subject: 'Re', body: 'Fixed.', evidenceCount: 1, run: 3 });
    expect(await sut.onReply(reply, false)).toBe('delivered');
    expect(await sut.onReply(reply, false)).toBe('already_delivered');

    expect(helpdesk.requests).toHaveLength(1);
    expect(helpdesk.requests[0]).toMatchObject({ deliveryId: deliveryIdFor(CASE, 3, 'reply'), update: { comment: { body: 'Fixed.', public: true }, status: 'pending', tags: [] } });
    expect(repo.statuses.map((s) => s.payload)).toEqual([expect.objectContaining({ status: 'delivered', run: 3, attempts: 1, helpdeskTicketId: '4711', recovered: false })]);
  });

  it('skips resolved and closed outcomes and shadow escalations; routes assist without a comment; comments on autonomous and failed ones', async () => {
    expect(await sut.onOutcome(env(outcome({ status: 'RESOLVED', verified: true })), false)).toBe('skipped');
    expect(await sut.onOutcome(env(outcome({ status: 'CLOSED' })), false)).toBe('skipped');
    expect(await sut.onOutcome(env(outcome({ mode: 'shadow' })), false)).toBe('skipped');
    helpdesk.answers.push({ alreadyThere: false }, { alreadyThere: false }, { alreadyThere: false });
    await sut.onOutcome(env(outcome({ mode: 'assist' })), false);
    await sut.onOutcome(env(outcome({ run: 2, handoff: { reason: 'r', breaker: 'unverified', asked: 'a', findings: [], tried: [], counters: {} } })), false);
    await sut.onOutcome(env(outcome({ run: 3, status: 'FAILED', mode: 'assist' })), false);

    expect(helpdesk.requests.map((r) => [r.update.comment?.public ?? null, r.update.group, r.update.priority ?? null])).toEqual([[null, '10', null], [false, '20', 'high'], [false, '10', null]]);
  });

  it('reports a failure for good (user error) before rethrowing it; a retryable one only on the last attempt', async () => {
    helpdesk.answers.push(new HelpdeskUnavailableError('503'), new HelpdeskUnavailableError('503 again'), new TicketNotFoundError('404 ticket not found'));
    await expect(sut.onNote(env(note), false)).rejects.toBeInstanceOf(HelpdeskUnavailableError);
    expect(repo.statuses).toEqual([]);
    await expect(sut.onNote(env(note), true)).rejects.toBeInstanceOf(HelpdeskUnavailableError);
    expect(repo.statuses.at(-1)!.payload).toMatchObject({ status: 'failed', attempts: 2, reason: { code: 'HELPDESK.UNAVAILABLE', message: 'gave up after 2 attempts: 503 again' } });
    await expect(sut.onOutcome(env(outcome({})), false)).rejects.toBeInstanceOf(TicketNotFoundError);
    expect(repo.statuses.at(-1)!.payload).toMatchObject({ kind: 'escalation', status: 'failed', reason: { code: 'HELPDESK.TICKET_NOT_FOUND' } });
    // Distinct outcomes of distinct attempts are distinct messages; the same outcome reported again keeps its id.
    expect(new Set(repo.statuses.map((s) => s.id)).size).toBe(repo.statuses.length);
  });

  it('finds the ticket of a note without a reference from tickets.ingress, and reports a message with no ticket at all as failed', async () => {
    repo.tickets.set(CASE, { caseId: CASE, tenantId: 'acme', region: 'us-east-1', correlationId: CASE, ticket: ref, helpdeskTicketId: null });
    helpdesk.answers.push({ alreadyThere: true });
    const { ticket: _t, ...withoutRef } = note;
    expect(await sut.onNote(env(withoutRef as InternalNote), false)).toBe('recovered');
    expect(helpdesk.requests[0]!.event.ticket).toEqual(ref);

    repo.tickets.clear();
    await expect(sut.onOutcome(env({ ...outcome({}), ticket: undefined }), false)).rejects.toMatchObject({ code: 'HELPDESK.NO_TICKET' });
    expect(repo.statuses.at(-1)!.payload).toMatchObject({ kind: 'escalation', status: 'failed', attempts: 0, reason: { code: 'HELPDESK.NO_TICKET' } });
  });

  it('re-sends the stored request of a delivery, and refuses an unknown one', async () => {
    helpdesk.answers.push(new TicketNotFoundError('gone'), { alreadyThere: false });
    await expect(sut.onNote(env(note), false)).rejects.toBeInstanceOf(TicketNotFoundError);
    const id = deliveryIdFor(CASE, 1, 'note');
    expect(await sut.onCommand(env({ command: 'resend', deliveryId: id, by: { userId: 'ana', role: 'supervisor' } }), false)).toBe('delivered');
    expect(helpdesk.requests[1]).toEqual(helpdesk.requests[0]);
    await expect(sut.onCommand(env({ command: 'resend', deliveryId: 'dlv_000000000000000000000000', by: { userId: 'ana', role: 'supervisor' } }), false)).rejects.toBeInstanceOf(UnknownDeliveryError);
  });
});
