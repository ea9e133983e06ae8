// Real: Kafka broker (topics listed and read back with raw kafkajs clients). Doubles: none.
import { DeadLetterSchema } from '@switchboard/contracts';
import { KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { SwitchboardError } from '@switchboard/observability';
import { collectTopic, randomCaseId, rawKafka, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(60_000);

describe('KAFKA_TOPIC_PREFIX: two deployments on one cluster (real broker)', () => {
  const prefix = uniqueName('ns').replace(/\./g, '-');
  const prefixed = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), 'topic-prefix-a');
  const plain = new KafkaBus(testBusConfig(), 'topic-prefix-b');
  const admin = rawKafka().admin();
  const handles: ConsumerHandle[] = [];
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(async () => {
    await Promise.all([prefixed.connect(), plain.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all(collectors.map((c) => c.stop()));
    await Promise.all([prefixed.disconnect(), plain.disconnect(), admin.disconnect()]);
  });

  it('keeps every topic of a deployment, its retries and dead letters under its prefix, and handlers see contract names', async () => {
    const binding = testBinding(uniqueName('test.prefixed'), 1);
    const seen: Array<{ by: string; topic: string; seq: number; attempt: number }> = [];
    const handler = (by: string) => async (msg: IncomingMessage<string>) => {
      const { seq } = msg.envelope.payload as TestPayload;
      seen.push({ by, topic: msg.topic, seq, attempt: msg.deliveryAttempt });
      if (by === 'prefixed' && seq === 2) throw new SwitchboardError('TEST.BAD_INPUT', 'user', 'seq 2 is refused');
      if (by === 'prefixed' && seq === 3 && msg.deliveryAttempt === 1) throw new SwitchboardError('TEST.FLAKY', 'third_party', 'try again');
    };
    handles.push(await prefixed.consumeBindings({ groupId: uniqueName('test.prefix-a'), bindings: [binding], handler: handler('prefixed') }));
    handles.push(await plain.consumeBindings({ groupId: uniqueName('test.prefix-b'), bindings: [binding], handler: handler('plain') }));

    const topics = await admin.listTopics();
    for (const t of [binding.topic, `${binding.topic}.retry`, `${binding.topic}.dlq`]) {
      expect(topics).toContain(`${prefix}.${t}`);
      expect(topics).toContain(t); // the unprefixed deployment's own
    }
    const caseId = randomCaseId();
    await prefixed.publishTo(binding, testEnvelope(caseId, { seq: 1 }));
    await prefixed.publishTo(binding, testEnvelope(caseId, { seq: 2 }));
    // The outbox relay's path: already-serialized records addressed by contract name.
    await prefixed.publishRaw([{ topic: binding.topic, key: caseId, value: JSON.stringify(testEnvelope(caseId, { seq: 3 })), headers: {} }]);
    await plain.publishTo(binding, testEnvelope(caseId, { seq: 9 }));

    await waitFor(() => seen.filter((s) => s.by === 'prefixed').length === 4 && seen.some((s) => s.by === 'plain'), 'both deployments to handle their own messages');
    expect(seen.filter((s) => s.by === 'prefixed').map(({ seq, attempt }) => [seq, attempt])).toEqual([[1, 1], [2, 1], [3, 1], [3, 2]]);
    expect(seen.filter((s) => s.by === 'plain').map((s) => s.seq)).toEqual([9]);
    expect(new Set(seen.map((s) => s.topic))).toEqual(new Set([binding.topic]));

    const dlq = await collectTopic(`${prefix}.${binding.topic}.dlq`);
    collectors.push(dlq);
    await waitFor(() => dlq.messages.length === 1, 'the dead letter under the prefix');
    const letter = DeadLetterSchema.parse(JSON.parse(dlq.messages[0]!.value!.toString()));
    expect(letter).toMatchObject({ originalTopic: `${prefix}.${binding.topic}`, reason: { code: 'TEST.BAD_INPUT' } });
  });

  it('keeps consumer groups apart too: the same group id in two deployments is two groups', async () => {
    const other = uniqueName('ns').replace(/\./g, '-');
    const second = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: other }), 'topic-prefix-c');
    const binding = testBinding(uniqueName('test.prefixed-groups'), 3);
    const groupId = uniqueName('test.shared-group');
    const seen: Array<{ by: string; seq: number }> = [];
    try {
      handles.push(await prefixed.consumeBindings({ groupId, bindings: [binding], handler: async (msg) => void seen.push({ by: 'a', seq: (msg.envelope.payload as TestPayload).seq }) }));
      handles.push(await second.consumeBindings({ groupId, bindings: [binding], handler: async (msg) => void seen.push({ by: 'c', seq: (msg.envelope.payload as TestPayload).seq }) }));
      const { groups } = await admin.listGroups();
      expect(groups.map((g) => g.groupId)).toEqual(expect.arrayContaining([`${prefix}.${groupId}`, `${other}.${groupId}`]));
      // Cases on every partition: a member handed the other deployment's partitions would leave some unread.
      for (let seq = 1; seq <= 12; seq++) {
        await prefixed.publishTo(binding, testEnvelope(randomCaseId(), { seq }));
        await second.publishTo(binding, testEnvelope(randomCaseId(), { seq: 100 + seq }));
      }
      await waitFor(() => seen.length === 24, 'both deployments to handle all of their own messages');
      expect(seen.filter((s) => s.by === 'a').every((s) => s.seq < 100)).toBe(true);
      expect(seen.filter((s) => s.by === 'c').every((s) => s.seq > 100)).toBe(true);
    } finally {
      await second.disconnect();
    }
  });

  it('refuses a prefix Kafka could not name a topic with', () => {
    expect(() => testBusConfig({ KAFKA_TOPIC_PREFIX: 'eu prod/*' })).toThrow(/letters, digits/);
  });
});
