import { Inject } from '@nestjs/common';
import type { IncomingMessage } from '@switchboard/bus';
import { BusController, ContractMessagePipe, EventPattern, Payload } from '@switchboard/bus-transport';
import { SupervisorHandler } from './supervisor.handler';

/** The supervisor's topics as `@EventPattern` handlers (one consumer group, SUPERVISOR_GROUP_ID), each handed to {@link SupervisorHandler}. */
@BusController()
export class SupervisorEventsController {
  constructor(@Inject(SupervisorHandler) private readonly handler: SupervisorHandler) {}

  @EventPattern('tickets.ingress')
  onTicket(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.ingress'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('agent.results')
  onAgentResult(@Payload(ContractMessagePipe) message: IncomingMessage<'agent.results'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('supervisor.commands')
  onCommand(@Payload(ContractMessagePipe) message: IncomingMessage<'supervisor.commands'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('tickets.deliveries')
  onDelivery(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.deliveries'>): Promise<void> {
    return this.handler.handle(message);
  }

  @EventPattern('tickets.signals')
  onSignal(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.signals'>): Promise<void> {
    return this.handler.handle(message);
  }
}
