import type { TopicName } from '@switchboard/contracts';
import type { CaseState } from '../case/case.types';

/**
 * Adds what the helpdesk connector needs to the case's replies, internal notes and outcomes: the ticket in its source
 * system and the run (at most one public reply per case run). Derived from the state alone, so a replayed decision
 * still writes byte-identical messages.
 *
 * @example
 * payload = withHelpdeskRef('tickets.outcomes', payload, state); // { …, ticket: { source, externalId }, run: 1 }
 */
export function withHelpdeskRef(topic: TopicName, payload: Record<string, unknown>, s: CaseState): Record<string, unknown> {
  if (topic === 'tickets.replies') return { ...payload, run: s.run };
  if (topic === 'tickets.internal-notes' || topic === 'tickets.outcomes') {
    return { ...payload, ticket: { source: s.ticket.source, externalId: s.ticket.externalId }, run: s.run };
  }
  return payload;
}
