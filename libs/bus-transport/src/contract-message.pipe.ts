import { Injectable, type PipeTransform } from '@nestjs/common';
import { formatIssues, messageSchema, topicBinding, type IncomingMessage } from '@switchboard/bus';
import { TOPIC_SPECS, type TopicName } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { wasDelivered } from './delivered';

/**
 * The `@Payload()` pipe of bus handlers: asserts the argument is a contract-valid {@link IncomingMessage}. A message
 * {@link BusTransport} delivered passes untouched: the consumer loop validated it against its topic's schema before
 * (and dead-lettered it otherwise), and parsing every message twice is the CPU cost issue 21 is about. Anything else
 * (a test or another transport calling the handler) is validated here like the consumer loop would, and refused with
 * `BUS.SCHEMA_INVALID` (category `user`, so the bus would dead-letter it).
 *
 * @example
 * @EventPattern('agent.results')
 * onResult(@Payload(ContractMessagePipe) message: IncomingMessage<'agent.results'>) { … }
 */
@Injectable()
export class ContractMessagePipe implements PipeTransform<unknown, IncomingMessage<string>> {
  transform(value: unknown): IncomingMessage<string> {
    if (wasDelivered(value)) return value;
    const message = value as Partial<IncomingMessage<string>> | null;
    const topic = message?.topic;
    if (typeof topic !== 'string' || !Object.hasOwn(TOPIC_SPECS, topic)) {
      throw new SwitchboardError('BUS.SCHEMA_INVALID', 'user', `not a message of a contract topic: ${String(topic)}`);
    }
    const binding = topicBinding(topic as TopicName);
    // A bare topic's handlers see the envelope the bus wrapped around the message: its payload is what the schema describes.
    const parsed = messageSchema(binding).safeParse(binding.wrap ? message!.envelope?.payload : message!.envelope);
    if (!parsed.success) {
      throw new SwitchboardError('BUS.SCHEMA_INVALID', 'user', `message on ${topic} does not match its schema: ${formatIssues(parsed.error).slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    return binding.wrap ? { ...message, envelope: { ...message!.envelope!, payload: parsed.data } } as IncomingMessage<string> : { ...message, envelope: parsed.data } as IncomingMessage<string>;
  }
}
