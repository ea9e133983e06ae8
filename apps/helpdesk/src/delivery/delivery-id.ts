import { createHash } from 'node:crypto';
import type { DeliveryKind } from '@switchboard/contracts';

/**
 * The one delivery of a kind per case run: the same reply redelivered by Kafka, re-published by the supervisor's
 * outbox or re-sent from the console always has this id, so it is looked for, and posted, once.
 *
 * @example
 * deliveryIdFor('case_0123…', 1, 'reply'); // 'dlv_…' (24 hex)
 */
export function deliveryIdFor(caseId: string, run: number, kind: DeliveryKind): string {
  return `dlv_${createHash('sha256').update(`${caseId}|${run}|${kind}`).digest('hex').slice(0, 24)}`;
}

/** The Zendesk tag written in the same update as the delivery's comment: its presence on the ticket means "done". */
export function markerTag(deliveryId: string): string {
  return `switchboard_${deliveryId}`;
}
