// Real: Kafka broker (kafkajs). Doubles: none. The handler stands in for the supervisor's: it records what it saw.
import { KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { randomCaseId, rawKafka, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(60_000);

describe('keyConcurrency: messages of different keys of one batch overlap, each key keeps its order (real broker)', () => {
  const publisher = new KafkaBus(testBusConfig(), 'key-concurrency-publisher');
  const admin = rawKafka().admin();
  const buses: KafkaBus[] = [];
  const handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    await publisher.connect();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all(buses.map((b) => b.disconnect()));
    await publisher.disconnect();
    await admin.disconnect();
  });

  /** Publishes `perCase` messages for each of `cases` new cases, interleaved, on a one-partition topic. */
  async function backlog(cases: number, perCase: number) {
    const binding = testBinding(uniqueName('test.key-concurrency'), 1);
    await publisher.ensureTopicSpecs([binding]);
    const ids = Array.from({ length: cases }, randomCaseId);
    for (let seq = 1; seq <= perCase; seq++) for (const caseId of ids) await publisher.publishTo(binding, testEnvelope(caseId, { seq }));
    return { binding, ids };
  }

  async function consume(binding: ReturnType<typeof testBinding>, keyConcurrency: number, handler: (m: IncomingMessage<string>) => Promise<void>, groupId = uniqueName('test.key-concurrency-group')) {
    const bus = new KafkaBus(testBusConfig({ BUS_OUTAGE_RETRY_BASE_MS: '100', BUS_OUTAGE_RETRY_MAX_MS: '200', BUS_COMMIT_INTERVAL_MS: '60000' }), 'key-concurrency');
    buses.push(bus);
    const handle = await bus.consumeBindings({ groupId, bindings: [binding], commitEvery: 'interval', keyConcurrency, handler });
    handles.push(handle);
    return handle;
  }

  it('handles up to keyConcurrency keys at once, one message per key at a time, in order per key', async () => {
    const { binding, ids } = await backlog(4, 5);
    const seen = new Map<string, number[]>(ids.map((id) => [id, []]));
    let inFlight = 0;
    let most = 0;
    const busyKeys = new Set<string>();
    let sameKeyOverlap = false;
    await consume(binding, 3, async (m) => {
      if (busyKeys.has(m.envelope.caseId)) sameKeyOverlap = true;
      busyKeys.add(m.envelope.caseId);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 25));
      seen.get(m.envelope.caseId)!.push((m.envelope.payload as TestPayload).seq);
      inFlight--;
      busyKeys.delete(m.envelope.caseId);
    });
    await waitFor(() => [...seen.values()].every((s) => s.length === 5), 'every message to be handled');
    for (const seqs of seen.values()) expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(sameKeyOverlap).toBe(false);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('after an outage on one key, starts nothing new, pauses, and reads again from the first message not handled; that key never skips ahead', async () => {
    const { binding, ids } = await backlog(3, 4);
    const [a, b] = ids as [string, string, string];
    const handled: Array<{ caseId: string; seq: number }> = [];
    let failedOnce = false;
    await consume(binding, 8, async (m) => {
      const { seq } = m.envelope.payload as TestPayload;
      if (m.envelope.caseId === b && seq === 2 && !failedOnce) {
        failedOnce = true;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      handled.push({ caseId: m.envelope.caseId, seq });
    });
    await waitFor(() => ids.every((id) => handled.some((h) => h.caseId === id && h.seq === 4)), 'every case to reach its last message');
    expect(failedOnce).toBe(true);
    // Per key, the first handling of each message is in order, and b's 3 and 4 came only after its 2.
    for (const id of ids) {
      const firsts = handled.filter((h) => h.caseId === id).map((h) => h.seq).filter((seq, i, all) => all.indexOf(seq) === i);
      expect(firsts).toEqual([1, 2, 3, 4]);
    }
    const bSeqs = handled.filter((h) => h.caseId === b).map((h) => h.seq);
    expect(bSeqs.indexOf(3)).toBeGreaterThan(bSeqs.indexOf(2));
    // Nothing lost; what other keys handled past the failed offset may come again (the supervisor's ledger knows it).
    expect(new Set(handled.map((h) => `${h.caseId}:${h.seq}`)).size).toBe(12);
    expect(handled.filter((h) => h.caseId === a).length).toBeGreaterThanOrEqual(4);
  });

  it('heartbeats as its messages finish, so a batch longer than the session timeout keeps the group and is handled once', async () => {
    // 80 messages of 10 keys, 250 ms each, two at a time: a 10 s batch against a 6 s session, with handlers shorter
    // than the heartbeat interval (no heartbeat from inside a handler).
    const { binding, ids } = await backlog(10, 8);
    const groupId = uniqueName('test.key-concurrency-group');
    const bus = new KafkaBus(testBusConfig({ BUS_SESSION_TIMEOUT_MS: '6000', BUS_HEARTBEAT_INTERVAL_MS: '2000', BUS_COMMIT_INTERVAL_MS: '500' }), 'key-concurrency-long');
    buses.push(bus);
    const handled: string[] = [];
    handles.push(await bus.consumeBindings({
      groupId, bindings: [binding], commitEvery: 'interval', keyConcurrency: 2,
      handler: async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        handled.push(`${m.envelope.caseId}:${(m.envelope.payload as TestPayload).seq}`);
      },
    }));
    const committed = async () => Number((await admin.fetchOffsets({ groupId, topics: [binding.topic] }))[0]!.partitions[0]!.offset);
    await waitFor(async () => (await committed()) === 80, 'the whole backlog to be committed', 45_000);
    expect(new Set(handled).size).toBe(80);
    expect(handled).toHaveLength(80); // nothing delivered twice: the group never lost this member
    expect(ids).toHaveLength(10);
  });

  it('on shutdown, lets the messages in flight finish and commits up to the first message not handled', async () => {
    const { binding } = await backlog(4, 3);
    const groupId = uniqueName('test.key-concurrency-group');
    const handledOffsets = new Set<number>();
    const handle = await consume(binding, 4, async (m) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      handledOffsets.add(Number(m.offset));
    }, groupId);
    await waitFor(() => handledOffsets.size >= 1, 'a first message to be handled');
    await handle.stop();
    let prefix = 0;
    while (handledOffsets.has(prefix)) prefix++;
    expect(prefix).toBeGreaterThan(0);
    expect(handledOffsets.size).toBeLessThan(12); // stopped mid-backlog
    const [entry] = await admin.fetchOffsets({ groupId, topics: [binding.topic] });
    expect(Number(entry!.partitions[0]!.offset)).toBe(prefix);
  });
});
