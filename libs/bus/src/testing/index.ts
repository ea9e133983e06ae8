import { caseIdFor, TicketEventSchema, type Envelope, type TicketEvent, type TicketEventInput } from '@switchboard/contracts';
import { BusConfigSchema } from '../bus.config';
import type { ConsumeBindingsOptions, ConsumerHandle, IncomingMessage, RawRecord, TopicBinding } from '../bus.types';
import { KafkaBus, PublishInvalidError, type TopicSpec } from '../kafka-bus';
import { decodeMessage, formatIssues, messageSchema } from '../message-decoder';

/** One message a {@link RecordingBus} was asked to publish. */
export interface RecordedMessage {
  topic: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

/**
 * In-memory {@link KafkaBus} double for unit tests: publishes are validated exactly like the real bus and recorded;
 * `deliver` hands a message to the handler registered with `consume`, through the same decoding. No broker, no
 * retries, no dead letters: a handler error is thrown back to the test.
 *
 * @example
 * const bus = new RecordingBus();
 * const worker = new AgentWorker(bus, new TriageService(llm));
 * await bus.consume({ groupId: 'switchboard.triage', topics: ['agent.triage.tasks'], handler: (m) => worker.process(m) });
 * await bus.deliver('agent.triage.tasks', bus.envelope('agent.triage.tasks', task, meta));
 * expect(bus.publishedTo('agent.results')).toHaveLength(1);
 */
export class RecordingBus extends KafkaBus {
  readonly published: RecordedMessage[] = [];
  private readonly handlers = new Map<string, { binding: TopicBinding; handler: ConsumeBindingsOptions['handler'] }>();
  private offsets = 0;

  constructor() {
    super(BusConfigSchema.parse({}), 'recording-bus');
  }

  override async connect(): Promise<void> {}
  override async disconnect(): Promise<void> {
    this.handlers.clear();
  }
  override async ensureTopics(): Promise<void> {}
  override async ensureTopicSpecs(_specs: readonly TopicSpec[]): Promise<void> {}

  override async publishTo(binding: TopicBinding, envelope: Envelope<unknown>): Promise<void> {
    const parsed = messageSchema(binding).safeParse(envelope);
    if (!parsed.success) throw new PublishInvalidError(binding.topic, formatIssues(parsed.error));
    const value = parsed.data as Envelope<unknown>;
    this.published.push({ topic: binding.topic, key: value.caseId, value, headers: { 'message-id': value.id, type: value.type } });
  }

  override async publishTicket(ticket: TicketEvent | TicketEventInput): Promise<void> {
    const parsed = TicketEventSchema.safeParse(ticket);
    if (!parsed.success) throw new PublishInvalidError('tickets.ingress', formatIssues(parsed.error));
    this.published.push({ topic: 'tickets.ingress', key: caseIdFor(parsed.data), value: parsed.data, headers: { type: 'ticket.received' } });
  }

  override async publishRaw(records: readonly RawRecord[]): Promise<void> {
    this.published.push(...records.map((r) => ({ ...r, value: JSON.parse(r.value) as unknown })));
  }

  override async consumeBindings(options: ConsumeBindingsOptions): Promise<ConsumerHandle> {
    for (const binding of options.bindings) this.handlers.set(binding.topic, { binding, handler: options.handler });
    return {
      stop: async () => {
        for (const binding of options.bindings) this.handlers.delete(binding.topic);
      },
      healthy: () => true,
      ready: Promise.resolve(),
    };
  }

  /** Values published to `topic`, in order (envelopes, or bare tickets for tickets.ingress). */
  publishedTo<T = Envelope<unknown>>(topic: string): T[] {
    return this.published.filter((m) => m.topic === topic).map((m) => m.value as T);
  }

  /**
   * Runs the handler consuming `topic` on `value` (an envelope, or a bare ticket for tickets.ingress) after the same
   * validation as the real consumer loop; throws if nothing consumes the topic or the value is invalid.
   */
  async deliver(topic: string, value: unknown, options: { deliveryAttempt?: number; headers?: Record<string, string> } = {}): Promise<void> {
    const consumer = this.handlers.get(topic);
    if (!consumer) throw new Error(`RecordingBus: nothing consumes ${topic}`);
    const offset = String(this.offsets++);
    const decoded = decodeMessage(consumer.binding, Buffer.from(JSON.stringify(value)), { topic, partition: 0, offset }, Number.MAX_SAFE_INTEGER);
    if (!decoded.ok) throw new Error(`RecordingBus: ${decoded.failure.code}: ${decoded.failure.message}`);
    const message: IncomingMessage<string> = {
      topic, envelope: decoded.envelope, partition: 0, offset, headers: options.headers ?? {}, deliveryAttempt: options.deliveryAttempt ?? 1,
    };
    await consumer.handler(message);
  }
}
