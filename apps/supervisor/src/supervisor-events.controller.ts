import { Inject } from '@nestjs/common';
import type { IncomingMessage } from '@switchboard/bus';
import { BusController, ContractMessagePipe, EventPattern, Payload } from '@switchboard/bus-transport';
import { SUPERVISOR_TOPICS, SupervisorHandler } from './supervisor.handler';

/**
 * The supervisor's topics (SUPERVISOR_TOPICS, one consumer group, SUPERVISOR_GROUP_ID) as one `@EventPattern` handler
 * — Nest registers it once per topic — handed to {@link SupervisorHandler}, which dispatches on the topic.
 */
@BusController()
export class SupervisorEventsController {
  constructor(@Inject(SupervisorHandler) private readonly handler: SupervisorHandler) {}

  @EventPattern([...SUPERVISOR_TOPICS])
  onMessage(@Payload(ContractMessagePipe) message: IncomingMessage<(typeof SUPERVISOR_TOPICS)[number]>): Promise<void> {
    return this.handler.handle(message);
  }
}
