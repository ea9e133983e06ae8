import type { DeliveryKind, DeliveryTarget, HelpdeskWebhookEvent, Priority } from '@switchboard/contracts';

/** The change to make on the ticket, in one update (one Zendesk audit), with the delivery's marker. */
export interface TicketUpdate {
  comment?: { body: string; public: boolean };
  status?: 'open' | 'pending' | 'hold' | 'solved';
  group?: string;
  priority?: Priority;
  /** Added to the ticket's tags (never replacing them). */
  tags: string[];
}

/** One delivery as the connector hands it to an adapter; stored with the delivery so a re-send needs nothing else. */
export interface DeliveryRequest {
  deliveryId: string;
  kind: DeliveryKind;
  /** The generic webhook body; it also names the case, run and ticket every adapter needs. */
  event: HelpdeskWebhookEvent;
  update: TicketUpdate;
}

export interface DeliveryReceipt {
  helpdeskTicketId?: string;
  ticketUrl?: string;
  /** The update was found on the ticket already (its marker): it was not sent again. */
  alreadyThere: boolean;
}

/**
 * A helpdesk the connector delivers to. `deliver` must be safe to call again for the same delivery id after a crash
 * at any point: either it finds its own earlier update and sends nothing (Zendesk: the marker tag), or the receiver
 * can recognise the repeat by the id (generic webhook: the `id` field).
 */
export abstract class HelpdeskPort {
  abstract readonly target: DeliveryTarget;
  abstract deliver(request: DeliveryRequest): Promise<DeliveryReceipt>;
}
