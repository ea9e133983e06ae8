import { Inject } from '@nestjs/common';
import type { IncomingMessage } from '@switchboard/bus';
import { BusController, ContractMessagePipe, EventPattern, Payload } from '@switchboard/bus-transport';
import { HELPDESK_TOPICS, HelpdeskHandler } from './helpdesk.handler';

/**
 * The connector's topics (HELPDESK_TOPICS, one consumer group, HELPDESK_GROUP_ID) as one `@EventPattern` handler —
 * Nest registers it once per topic — handed to {@link HelpdeskHandler}, which dispatches on the topic.
 */
@BusController()
export class HelpdeskEventsController {
  constructor(@Inject(HelpdeskHandler) private readonly handler: HelpdeskHandler) {}

  @EventPattern([...HELPDESK_TOPICS])
  onMessage(@Payload(ContractMessagePipe) message: IncomingMessage<(typeof HELPDESK_TOPICS)[number]>): Promise<void> {
    return this.handler.handle(message);
  }
}
