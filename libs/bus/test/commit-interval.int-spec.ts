// Real: Kafka broker (kafkajs; committed offsets read back with the admin client). Doubles: none.
import { KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { randomCaseId, rawKafka, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor } from './support/kit';

jest.setTimeout(60_000);

describe("commitEvery: 'interval' (real broker)", () => {
  const admin = rawKafka().admin();
  const publisher = new KafkaBus(testBusConfig(), 'commit-interval-publisher');
  const buses: KafkaBus[] = [];

  beforeAll(async () => {
    await admin.connect();
    await publisher.connect();
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.disconnect()));
    await publisher.disconnect();
    await admin.disconnect();
  });

  async function committed(groupId: string, topic: string): Promise<number> {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  async function run(intervalMs: number, messages: number) {
    const binding = testBinding(uniqueName('test.commit-interval'), 1);
    const groupId = uniqueName('test.commit-interval-group');
    await publisher.ensureTopicSpecs([binding]);
    const bus = new KafkaBus(testBusConfig({ BUS_COMMIT_INTERVAL_MS: String(intervalMs) }), 'commit-interval');
    buses.push(bus);
    let handled = 0;
    const handle: ConsumerHandle = await bus.consumeBindings({ groupId, bindings: [binding], commitEvery: 'interval', handler: async () => void handled++ });
    const caseId = randomCaseId();
    for (let seq = 1; seq <= messages; seq++) await publisher.publishTo(binding, testEnvelope(caseId, { seq }));
    await waitFor(() => handled === messages, `${messages} messages to be handled`);
    return { handle, groupId, topic: binding.topic };
  }

  it('commits at most once per interval: what was handled since the last commit waits, and is committed on shutdown', async () => {
    const { handle, groupId, topic } = await run(60_000, 5);

    // All five were handled within the first interval: none is committed yet.
    expect(await committed(groupId, topic)).toBe(0);
    await handle.stop();
    expect(await committed(groupId, topic)).toBe(5);
  });

  it('commits what was handled when the consumer goes idle, without another message to carry the commit', async () => {
    const { handle, groupId, topic } = await run(300, 4);

    await waitFor(async () => (await committed(groupId, topic)) === 4, 'the idle commit', 5_000);
    await handle.stop();
  });
});
