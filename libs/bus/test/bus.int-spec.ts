// Real: Kafka broker (kafkajs), tracing SDK with an in-memory exporter. Doubles: none.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { DeadLetterSchema, type DeadLetter } from '@switchboard/contracts';
import { BUS_HEADERS, KafkaBus, PublishInvalidError, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { busMessages, currentLogContext, inSpan, initTracing, SpanKind, SwitchboardError } from '@switchboard/observability';
import { collectTopic, randomCaseId, rawKafka, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

const spans = new InMemorySpanExporter();
initTracing({ serviceName: 'bus-int-spec', extraProcessors: [new SimpleSpanProcessor(spans)] });

/** The process-wide bus counter (libs/observability) for one topic, by outcome. */
async function counted(topic: string): Promise<Record<string, number>> {
  const { values } = await busMessages.get();
  return Object.fromEntries(values.filter((v) => v.labels.topic === topic).map((v) => [String(v.labels.outcome), v.value]));
}

describe('KafkaBus (real broker)', () => {
  const bus = new KafkaBus(testBusConfig({ BUS_MAX_ATTEMPTS: '3' }), 'bus-int-spec');
  const handles: ConsumerHandle[] = [];
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(() => bus.connect());
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all(collectors.map((c) => c.stop()));
    await bus.disconnect();
  });

  async function consume(binding: ReturnType<typeof testBinding>, handler: (m: IncomingMessage<string>) => Promise<void>, groupId = uniqueName('test.group')) {
    const handle = await bus.consumeBindings({ groupId, bindings: [binding], handler });
    handles.push(handle);
    return handle;
  }

  async function deadLetters(topic: string) {
    const collector = await collectTopic(`${topic}.dlq`);
    collectors.push(collector);
    return () => collector.messages.map((m) => ({ letter: DeadLetterSchema.parse(JSON.parse(m.value!.toString())), headers: m.headers }));
  }

  it('round-trips a validated envelope with its headers, log context and trace parent', async () => {
    const binding = testBinding(uniqueName('test.roundtrip'));
    const received: Array<{ msg: IncomingMessage<string>; ctx: ReturnType<typeof currentLogContext>; traceId?: string }> = [];
    await consume(binding, async (msg) => {
      received.push({ msg, ctx: currentLogContext(), traceId: trace.getActiveSpan()?.spanContext().traceId });
    });
    const caseId = randomCaseId();
    const envelope = testEnvelope(caseId, { seq: 1, note: 'hello' });
    const traceId = await inSpan('test publisher', {}, async (span) => {
      await bus.publishTo(binding, envelope);
      return span.spanContext().traceId;
    });

    await waitFor(() => received.length === 1, 'the message to be handled');
    const [{ msg, ctx, traceId: handlerTraceId }] = received as [typeof received[number]];
    expect(msg.envelope).toEqual(envelope);
    expect(msg).toMatchObject({ topic: binding.topic, deliveryAttempt: 1 });
    expect(msg.headers).toMatchObject({ [BUS_HEADERS.messageId]: envelope.id, [BUS_HEADERS.type]: 'test.event' });
    expect(msg.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    expect(ctx).toMatchObject({ caseId, correlationId: caseId, messageId: envelope.id });
    expect(handlerTraceId).toBe(traceId);
    const consumerSpan = spans.getFinishedSpans().find((s) => s.name === `${binding.topic} process`);
    const producerSpan = spans.getFinishedSpans().find((s) => s.name === `${binding.topic} publish`);
    expect(consumerSpan?.kind).toBe(SpanKind.CONSUMER);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(producerSpan?.spanContext().spanId);
  });

  it('refuses to publish an envelope that does not match the topic schema', async () => {
    const bad = { ...testEnvelope(randomCaseId(), { seq: 1 }), payload: { seq: 'one' } } as never;
    await expect(bus.publishTo(testBinding('test.never-created'), bad)).rejects.toBeInstanceOf(PublishInvalidError);
    await expect(bus.publish('agent.results', { ...testEnvelope('not-a-case', { seq: 1 }) } as never)).rejects.toMatchObject({ code: 'BUS.PUBLISH_INVALID', category: 'user' });
  });

  it('dead-letters malformed messages with their reason and original bytes, and keeps consuming', async () => {
    const binding = testBinding(uniqueName('test.malformed'), 1);
    const handled: TestPayload[] = [];
    const groupId = uniqueName('test.group');
    await consume(binding, async (msg) => void handled.push(msg.envelope.payload as TestPayload), groupId);
    const dlq = await deadLetters(binding.topic);
    const caseId = randomCaseId();
    const producer = rawKafka().producer();
    await producer.connect();
    const wrongSchema = JSON.stringify({ ...testEnvelope(caseId, { seq: 1 }), payload: { seq: -1, extra: true } });
    await producer.send({
      topic: binding.topic,
      messages: [
        { key: caseId, value: '{"this is": not json' },
        { key: caseId, value: wrongSchema, headers: { 'x-origin': 'kcat' } },
        { key: caseId, value: 'x'.repeat(1_000_001) },
        { key: caseId, value: null },
        { key: caseId, value: JSON.stringify(testEnvelope(caseId, { seq: 2 })) },
      ],
    });
    await producer.disconnect();

    await waitFor(() => handled.length === 1 && dlq().length === 4, 'the valid message to be handled and four dead letters');
    expect(handled).toEqual([{ seq: 2 }]);
    const letters = dlq().map((d) => d.letter);
    expect(letters.map((l) => l.reason.code)).toEqual(['BUS.INVALID_JSON', 'BUS.SCHEMA_INVALID', 'BUS.MESSAGE_TOO_LARGE', 'BUS.MESSAGE_EMPTY']);
    const schemaLetter = letters[1] as DeadLetter;
    expect(schemaLetter).toMatchObject({ originalTopic: binding.topic, partition: 0, offset: '1', key: caseId, attempts: 0, consumerGroup: groupId, headers: { 'x-origin': 'kcat' } });
    expect(schemaLetter.reason.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'payload.seq' }), expect.objectContaining({ path: 'payload' })]));
    expect(Buffer.from(schemaLetter.originalValueBase64, 'base64').toString()).toBe(wrongSchema);
    expect(Buffer.from(letters[0]!.originalValueBase64, 'base64').toString()).toBe('{"this is": not json');
    expect(Buffer.from(letters[2]!.originalValueBase64, 'base64').length).toBe(1_000_001);
    expect(dlq()[1]!.headers?.[BUS_HEADERS.deadLetterCode]?.toString()).toBe('BUS.SCHEMA_INVALID');
  });

  it('retries a transient failure through the retry topic with backoff, then succeeds once', async () => {
    const binding = testBinding(uniqueName('test.retry'));
    const attempts: Array<{ attempt: number; at: number; id: string }> = [];
    let done = 0;
    await consume(binding, async (msg) => {
      attempts.push({ attempt: msg.deliveryAttempt, at: Date.now(), id: msg.envelope.id });
      if (msg.deliveryAttempt < 3) throw new SwitchboardError('TEST.FLAKY', 'third_party', 'backend timed out');
      done++;
    });
    const envelope = testEnvelope(randomCaseId(), { seq: 1 });
    await bus.publishTo(binding, envelope);

    await waitFor(() => done === 1, 'the third attempt to succeed');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // What /metrics reports for the topic: two retries, then handled once.
    await expect(counted(binding.topic)).resolves.toEqual({ retried: 2, handled: 1 });
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([envelope.id]));
    // base 100 ms, factor 2: the second delivery waits ≥ 100 ms, the third ≥ 200 ms.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(100);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(200);
  });

  it('dead-letters a user error at once and a persistent failure after the last attempt', async () => {
    const binding = testBinding(uniqueName('test.fail'), 1);
    const attempts = new Map<number, number[]>();
    await consume(binding, async (msg) => {
      const { seq } = msg.envelope.payload as TestPayload;
      attempts.set(seq, [...(attempts.get(seq) ?? []), msg.deliveryAttempt]);
      if (seq === 1) throw new SwitchboardError('TEST.BAD_INPUT', 'user', 'ticket has no subject');
      throw new Error('database unavailable');
    });
    const dlq = await deadLetters(binding.topic);
    await bus.publishTo(binding, testEnvelope(randomCaseId(), { seq: 1 }));
    await bus.publishTo(binding, testEnvelope(randomCaseId(), { seq: 2 }));

    await waitFor(() => dlq().length === 2, 'two dead letters');
    expect(attempts.get(1)).toEqual([1]);
    expect(attempts.get(2)).toEqual([1, 2, 3]);
    const byCode = Object.fromEntries(dlq().map((d) => [d.letter.reason.code, d.letter]));
    expect(byCode['TEST.BAD_INPUT']).toMatchObject({ attempts: 1, originalTopic: binding.topic, reason: { message: 'ticket has no subject' } });
    expect(byCode.INTERNAL).toMatchObject({ attempts: 3, originalTopic: binding.topic, reason: { message: 'gave up after 3 attempts: database unavailable' } });
    // The dead letter points at the original record, not at its copy on the retry topic.
    expect(byCode.INTERNAL!.offset).toBe('1');
    // The counter moves once the dead letter's produce has returned, a moment after a consumer can read it.
    await waitFor(async () => (await counted(binding.topic)).dead_lettered === 2, 'both dead letters counted');
    await expect(counted(binding.topic)).resolves.toEqual({ dead_lettered: 2, retried: 2 });
  });
});
