import type { DeliveryStatus, TicketEvent, TicketSignal } from '@switchboard/contracts';
import { decide, initialCase } from '../case/case.machine';
import type { CaseState } from '../case/case.types';
import { PolicySchema } from '../policy/policy.schema';
import { withHelpdeskRef } from './helpdesk-ref';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous' });
const ticket: TicketEvent = {
  externalId: '4711', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'ops@acme.example' }, subject: 'Dashboard blank',
  body: 'Blank.', priority: 'normal', tags: [], receivedAt: T0.toISOString(), metadata: {},
};
const base = (over: Partial<CaseState> = {}): CaseState => ({ ...initialCase(ticket, { caseId: 'case_000000000000000000000001', correlationId: 'c' }, policy, T0), ...over });
const delivery = (over: Partial<DeliveryStatus> = {}): DeliveryStatus => ({
  deliveryId: 'dlv_000000000000000000000001', kind: 'reply', run: 1, target: 'zendesk', status: 'delivered', attempts: 1, recovered: false,
  ticketUrl: 'https://acme.zendesk.com/agent/tickets/4711', helpdeskTicketId: '4711', at: T0.toISOString(), ...over,
});
const signal = (s: Partial<TicketSignal> & Pick<TicketSignal, 'signal'>): TicketSignal =>
  ({ eventId: 'zd_1', ticket: { source: 'zendesk', externalId: '4711' }, at: T0.toISOString(), ...s }) as TicketSignal;

describe('helpdesk events on a case', () => {
  it('records a delivery on the case and in the trace, without changing the status or dispatching anything', () => {
    const sut = decide(base({ status: 'RESOLVED' }), { kind: 'helpdesk_delivery', messageId: 'm1', delivery: delivery() }, policy, T0);
    expect(sut.state.status).toBe('RESOLVED');
    expect(sut.transitions).toEqual([]);
    expect(sut.emit).toEqual([]);
    expect(sut.state.helpdesk).toEqual({
      ticketUrl: 'https://acme.zendesk.com/agent/tickets/4711', helpdeskTicketId: '4711', undelivered: 0, reopens: 0, customerReplies: 0,
      deliveries: { dlv_000000000000000000000001: { kind: 'reply', run: 1, target: 'zendesk', status: 'delivered', attempts: 1, at: T0.toISOString() } },
    });
    expect(sut.trace).toEqual([expect.objectContaining({ kind: 'event', data: expect.objectContaining({ event: 'helpdesk_delivered', deliveryId: 'dlv_000000000000000000000001', delivery: 'reply' }) })]);
  });

  it('counts a failed delivery as undelivered until it is delivered, and never lets a late failure undo a delivery', () => {
    const failed = delivery({ status: 'failed', reason: { code: 'HELPDESK.TICKET_NOT_FOUND', message: '404' } });
    let s = decide(base({ status: 'RESOLVED' }), { kind: 'helpdesk_delivery', messageId: 'm1', delivery: failed }, policy, T0).state;
    expect(s.helpdesk).toMatchObject({ undelivered: 1, deliveries: { dlv_000000000000000000000001: { status: 'failed', reason: { code: 'HELPDESK.TICKET_NOT_FOUND' } } } });
    s = decide(s, { kind: 'helpdesk_delivery', messageId: 'm2', delivery: delivery({ attempts: 2 }) }, policy, T0).state;
    expect(s.helpdesk).toMatchObject({ undelivered: 0, deliveries: { dlv_000000000000000000000001: { status: 'delivered', attempts: 2 } } });
    const late = decide(s, { kind: 'helpdesk_delivery', messageId: 'm3', delivery: failed }, policy, T0);
    expect(late.state.helpdesk!.undelivered).toBe(0);
    expect(late.trace[0]!.data).toMatchObject({ event: 'helpdesk_delivery_failed', ignored: 'already delivered' });
  });

  it('counts a reopen against a resolution only after RESOLVED', () => {
    const reopened = decide(base({ status: 'RESOLVED' }), { kind: 'helpdesk_signal', messageId: 'm1', signal: signal({ signal: 'reopened', previousStatus: 'solved' }) }, policy, T0);
    expect(reopened.state.helpdesk!.reopens).toBe(1);
    expect(reopened.state.status).toBe('RESOLVED');
    expect(reopened.trace[0]!.data).toMatchObject({ event: 'helpdesk_reopened', afterResolved: true, previousStatus: 'solved' });
    const early = decide(base({ status: 'ESCALATED' }), { kind: 'helpdesk_signal', messageId: 'm1', signal: signal({ signal: 'reopened' }) }, policy, T0);
    expect(early.state.helpdesk!.reopens).toBe(0);
    expect(early.trace[0]!.data).toMatchObject({ afterResolved: false });
  });

  it('routes a customer reply on an escalated case to its assignee, never to the agents', () => {
    const escalated = base({ status: 'ESCALATED', escalation: { reason: 'r', at: T0.toISOString(), assignee: 'ana' } });
    const sut = decide(escalated, { kind: 'helpdesk_signal', messageId: 'm1', signal: signal({ signal: 'customer_replied', comment: { body: 'Any news?' } }) }, policy, T0);
    expect(sut.emit).toEqual([]);
    expect(sut.state.status).toBe('ESCALATED');
    expect(sut.state.helpdesk).toMatchObject({ customerReplies: 1, lastCustomerReply: { excerpt: 'Any news?', routedTo: 'ana' } });
    const unassigned = decide(base({ status: 'ESCALATED', escalation: { reason: 'r', at: T0.toISOString() } }), { kind: 'helpdesk_signal', messageId: 'm1', signal: signal({ signal: 'customer_replied', comment: { body: 'Hello' } }) }, policy, T0);
    expect(unassigned.state.helpdesk!.lastCustomerReply!.routedTo).toBe('the escalation group (unassigned)');
    const rated = decide(base({ status: 'RESOLVED' }), { kind: 'helpdesk_signal', messageId: 'm1', signal: signal({ signal: 'satisfaction_rated', score: 'bad', comment: 'meh' }) }, policy, T0);
    expect(rated.state.helpdesk!.satisfaction).toEqual({ score: 'bad', at: T0.toISOString(), comment: 'meh' });
  });

  it('adds the ticket and run to what the connector reads, and nothing to agent tasks', () => {
    const s = base({ run: 2 });
    expect(withHelpdeskRef('tickets.replies', { body: 'x' }, s)).toEqual({ body: 'x', run: 2 });
    expect(withHelpdeskRef('tickets.outcomes', { status: 'ESCALATED' }, s)).toEqual({ status: 'ESCALATED', ticket: { source: 'zendesk', externalId: '4711' }, run: 2 });
    expect(withHelpdeskRef('tickets.internal-notes', { mode: 'shadow' }, s)).toMatchObject({ ticket: { externalId: '4711' }, run: 2 });
    expect(withHelpdeskRef('agent.triage.tasks', { taskId: 't' }, s)).toEqual({ taskId: 't' });
  });
});
