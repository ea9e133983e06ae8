import type { Envelope } from './envelope';
import { TOPIC_SPECS, type PayloadOf, type TopicName } from './topics';

/** Longest `causationId` an envelope carries (EnvelopeBaseSchema); longer causes are cut, never refused. */
const MAX_CAUSATION = 200;

/** Who the message is about and where it comes from; `id` is the producer's choice (random, or derived for idempotency). */
export interface EnvelopeFields {
  id: string;
  caseId: string;
  tenantId: string;
  region: string;
  correlationId: string;
  causationId: string | null;
  /** Delivery attempt the message belongs to (a retry of a task); 0 by default. */
  attempt?: number;
  /** When it happened (ISO 8601); now by default. */
  occurredAt?: string;
}

/**
 * The one way an envelope is built: the topic's type and the envelope version from the contracts, the causation id
 * cut to what the schema accepts. Producers differ only in the id they choose (the bus a random one, the supervisor
 * one derived from the message it handled, the helpdesk connector one per delivery outcome).
 *
 * @example
 * envelopeFor('tickets.deliveries', status, { id: uuidFromName(`delivery|${status.deliveryId}`), caseId, tenantId, region, correlationId: caseId, causationId: null });
 */
export function envelopeFor<T extends TopicName>(topic: T, payload: PayloadOf<T>, fields: EnvelopeFields): Envelope<PayloadOf<T>> {
  return {
    id: fields.id,
    type: TOPIC_SPECS[topic].type,
    version: 1,
    caseId: fields.caseId,
    tenantId: fields.tenantId,
    region: fields.region,
    correlationId: fields.correlationId,
    causationId: fields.causationId === null ? null : fields.causationId.slice(0, MAX_CAUSATION),
    attempt: fields.attempt ?? 0,
    occurredAt: fields.occurredAt ?? new Date().toISOString(),
    payload,
  };
}
