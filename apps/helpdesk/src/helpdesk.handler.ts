import type { IncomingMessage } from '@switchboard/bus';
import type { CaseOutcome, CustomerReply, Envelope, HelpdeskCommand, InternalNote, TicketEvent } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import type { DeliveryOutcome, DeliveryService } from './delivery/delivery.service';

export const HELPDESK_TOPICS = ['tickets.replies', 'tickets.internal-notes', 'tickets.outcomes', 'helpdesk.commands', 'tickets.ingress'] as const;
type HelpdeskTopic = (typeof HELPDESK_TOPICS)[number];

/**
 * The Kafka edge: routes a validated message to the delivery service. `final` tells it this is the bus's last
 * attempt, so a failure is reported on the case before the bus dead-letters the message.
 */
export class HelpdeskHandler {
  private readonly logger = new JsonLogger(HelpdeskHandler.name);

  constructor(private readonly deliveries: DeliveryService, private readonly maxAttempts: number) {}

  async handle(message: IncomingMessage<HelpdeskTopic>): Promise<void> {
    const outcome = await this.route(message, message.deliveryAttempt >= this.maxAttempts);
    if (outcome) this.logger.debug('message handled', { topic: message.topic, outcome });
  }

  private route(message: IncomingMessage<HelpdeskTopic>, final: boolean): Promise<DeliveryOutcome | void> {
    switch (message.topic) {
      case 'tickets.replies':
        return this.deliveries.onReply(message.envelope as Envelope<CustomerReply>, final);
      case 'tickets.internal-notes':
        return this.deliveries.onNote(message.envelope as Envelope<InternalNote>, final);
      case 'tickets.outcomes':
        return this.deliveries.onOutcome(message.envelope as Envelope<CaseOutcome>, final);
      case 'helpdesk.commands':
        return this.deliveries.onCommand(message.envelope as Envelope<HelpdeskCommand>, final);
      case 'tickets.ingress':
        return this.deliveries.onTicket(message.envelope as Envelope<TicketEvent>);
    }
  }
}
