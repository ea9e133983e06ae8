import { createHash, randomUUID } from 'node:crypto';

/**
 * The case id of a ticket: a hash of source, tenant and external id, so the same ticket published twice (webhook
 * retry, kcat replay) maps to one case and, being the Kafka key, to one partition.
 *
 * @example
 * caseIdFor({ source: 'zendesk', tenantId: 'acme', externalId: '42' }); // 'case_…'
 */
export function caseIdFor(ticket: { source: string; tenantId: string; externalId: string }): string {
  return `case_${createHash('sha256').update(`${ticket.source}\u0000${ticket.tenantId}\u0000${ticket.externalId}`).digest('hex').slice(0, 24)}`;
}

/** A new message id (uuid v4). */
export function newMessageId(): string {
  return randomUUID();
}
