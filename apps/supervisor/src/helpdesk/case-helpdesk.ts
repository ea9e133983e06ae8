import type { DeliveryStatus } from '@switchboard/contracts';
import type { CaseState, TraceEntry } from '../case/case.types';
import type { CaseHelpdesk, HelpdeskCaseEvent } from './case-helpdesk.types';

const EMPTY: CaseHelpdesk = { deliveries: {}, undelivered: 0, reopens: 0, customerReplies: 0 };

/**
 * Records a delivery result or a ticket signal on the case: a field of the core and a trace entry, never a status
 * change and never a dispatch (a customer reply on an escalated case is the assignee's, not the agents'). Pure, like
 * the machine that calls it.
 *
 * @example
 * applyHelpdeskEvent(state, { kind: 'helpdesk_delivery', messageId, delivery }, trace);
 */
export function applyHelpdeskEvent(s: CaseState, event: HelpdeskCaseEvent, trace: TraceEntry[]): void {
  const h: CaseHelpdesk = structuredClone(s.helpdesk ?? EMPTY);
  s.helpdesk = h;
  if (event.kind === 'helpdesk_delivery') return recordDelivery(h, event.delivery, trace);
  const signal = event.signal;
  const base = { eventId: signal.eventId, source: signal.ticket.source, externalId: signal.ticket.externalId, at: signal.at, status: s.status };
  switch (signal.signal) {
    case 'reopened': {
      // Only a reopen of a resolution counts against it; a reopen while a human works the ticket is just recorded.
      const afterResolved = s.status === 'RESOLVED';
      if (afterResolved) h.reopens++;
      trace.push({ kind: 'event', data: { event: 'helpdesk_reopened', ...base, afterResolved, previousStatus: signal.previousStatus ?? null } });
      return;
    }
    case 'customer_replied': {
      h.customerReplies++;
      const routedTo = s.status === 'ESCALATED' ? (s.assignee ?? s.escalation?.assignee ?? 'the escalation group (unassigned)') : 'the helpdesk (not sent to the agents)';
      const excerpt = signal.comment.body.slice(0, 500);
      h.lastCustomerReply = { at: signal.at, excerpt, routedTo };
      trace.push({ kind: 'event', data: { event: 'customer_replied', ...base, routedTo, excerpt, author: signal.comment.author ?? null } });
      return;
    }
    case 'satisfaction_rated':
      h.satisfaction = { score: signal.score, at: signal.at, ...(signal.comment ? { comment: signal.comment.slice(0, 1000) } : {}) };
      trace.push({ kind: 'event', data: { event: 'satisfaction_rated', ...base, score: signal.score, comment: signal.comment?.slice(0, 1000) ?? null } });
      return;
  }
}

function recordDelivery(h: CaseHelpdesk, d: DeliveryStatus, trace: TraceEntry[]): void {
  const previous = h.deliveries[d.deliveryId];
  // A delivered update is on the ticket for good; a late failure report of an earlier attempt cannot undo it.
  const keep = previous?.status === 'delivered' && d.status === 'failed';
  if (!keep) {
    h.deliveries[d.deliveryId] = {
      kind: d.kind, run: d.run, target: d.target, status: d.status, attempts: d.attempts, at: d.at,
      ...(d.recovered ? { recovered: true } : {}), ...(d.reason ? { reason: d.reason } : {}),
    };
  }
  if (d.ticketUrl) h.ticketUrl = d.ticketUrl;
  if (d.helpdeskTicketId) h.helpdeskTicketId = d.helpdeskTicketId;
  h.undelivered = Object.values(h.deliveries).filter((x) => x.status === 'failed').length;
  trace.push({
    kind: 'event',
    data: {
      event: d.status === 'delivered' ? 'helpdesk_delivered' : 'helpdesk_delivery_failed', deliveryId: d.deliveryId, delivery: d.kind, run: d.run,
      target: d.target, attempts: d.attempts, recovered: d.recovered, ticketUrl: d.ticketUrl ?? null, reason: d.reason ?? null, ...(keep ? { ignored: 'already delivered' } : {}),
    },
  });
}
