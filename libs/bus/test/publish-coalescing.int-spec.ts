// Real: Kafka broker (records read back with a raw kafkajs consumer, record batches told apart by their first offset).
// Doubles: none.
import type { KafkaMessage } from 'kafkajs';
import { KafkaBus } from '@switchboard/bus';
import { collectTopic, randomCaseId, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(60_000);

/** The record batch a message was written in: one per partition per produce request. */
const batchOf = (m: KafkaMessage) => (m as KafkaMessage & { batchContext: { firstOffset: string } }).batchContext.firstOffset;

describe('publishing (real broker)', () => {
  const bus = new KafkaBus(testBusConfig(), 'publish-coalescing');
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(() => bus.connect());
  afterAll(async () => {
    await Promise.all(collectors.map((c) => c.stop()));
    await bus.disconnect();
  });

  it('coalesces concurrent publishes into few produce requests and keeps their order', async () => {
    const binding = testBinding(uniqueName('test.coalesce'), 1);
    await bus.ensureTopicSpecs([binding]);
    const caseId = randomCaseId();

    await Promise.all(Array.from({ length: 60 }, (_, i) => bus.publishTo(binding, testEnvelope(caseId, { seq: i + 1 }))));

    const topic = await collectTopic(binding.topic);
    collectors.push(topic);
    await waitFor(() => topic.messages.length === 60, 'the 60 records');
    const seqs = topic.messages.map((m) => (JSON.parse(m.value!.toString()).payload as TestPayload).seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // The first publish goes out alone at once; the other 59 queue behind it and share the next request(s).
    expect(new Set(topic.messages.map(batchOf)).size).toBeLessThanOrEqual(5);
  });

  it('fails only the publish whose record the broker refuses when it shared a request with others', async () => {
    const binding = testBinding(uniqueName('test.coalesce-refused'), 1);
    await bus.ensureTopicSpecs([binding]);
    const caseId = randomCaseId();
    const huge = 'x'.repeat(2_000_000); // over the broker's message.max.bytes (1 MB by default)

    const results = await Promise.allSettled([
      bus.publishTo(binding, testEnvelope(caseId, { seq: 1 })),
      bus.publishTo(binding, testEnvelope(caseId, { seq: 2 })),
      bus.publishTo(binding, testEnvelope(caseId, { seq: 3, note: huge })),
      bus.publishTo(binding, testEnvelope(caseId, { seq: 4 })),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const topic = await collectTopic(binding.topic);
    collectors.push(topic);
    await waitFor(() => topic.messages.length === 3, 'the three accepted records');
    expect(topic.messages.map((m) => (JSON.parse(m.value!.toString()).payload as TestPayload).seq)).toEqual([1, 2, 4]);
  });
});
