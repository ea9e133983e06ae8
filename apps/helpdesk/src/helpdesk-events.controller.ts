import { Inject } from '@nestjs/common';
import type { IncomingMessage } from '@switchboard/bus';
import { BusController, ContractMessagePipe, EventPattern, Payload } from '@switchboard/bus-transport';
import { HelpdeskHandler } from './helpdesk.handler';

/** The connector's topics as `@EventPattern` handlers (one consumer group, HELPDESK_GROUP_ID), each handed to {@link HelpdeskHandler}. */
@BusController()
export class HelpdeskEventsController {
  constructor(@Inject(HelpdeskHandler) private readonly handler: HelpdeskHandler) {}

  @EventPattern('tickets.replies')
  onReply(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.replies'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('tickets.internal-notes')
  onNote(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.internal-notes'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('tickets.outcomes')
  onOutcome(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.outcomes'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('helpdesk.commands')
  onCommand(@Payload(ContractMessagePipe) message: IncomingMessage<'helpdesk.commands'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('tickets.ingress')
  onTicket(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.ingress'>): Promise<void> {
    return this.handler.handle(message);
  }
}
