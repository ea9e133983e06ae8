import { BaseRpcContext } from '@nestjs/microservices';
import type { IncomingMessage } from '@switchboard/bus';

/**
 * The `@Ctx()` of a handler served by {@link BusTransport}: the message with its Kafka coordinates (topic, partition,
 * offset, headers, delivery attempt), the same object `@Payload()` gives.
 *
 * @example
 * @EventPattern('agent.results')
 * onResult(@Payload() message: IncomingMessage<'agent.results'>, @Ctx() ctx: BusContext) { ctx.getMessage().offset; }
 */
export class BusContext extends BaseRpcContext<[IncomingMessage<string>]> {
  getMessage(): IncomingMessage<string> {
    return this.args[0];
  }
}
