// Real: Kafka broker (two consumer group members with their own clients), Postgres ledger (isolated schema).
// Doubles: none.
import { KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { ProcessedLedger } from '@switchboard/store';
import { isolatedSchema, type IsolatedSchema } from '../../store/test/support/isolated-schema';
import { randomCaseId, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(60_000);

describe('consumer group rebalance (real broker)', () => {
  let db: IsolatedSchema;
  const publisher = new KafkaBus(testBusConfig(), 'rebalance-publisher');
  const members = { a: new KafkaBus(testBusConfig({ BUS_COMMIT_INTERVAL_MS: '200' }), 'rebalance-a'), b: new KafkaBus(testBusConfig({ BUS_COMMIT_INTERVAL_MS: '200' }), 'rebalance-b') };
  const handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    db = await isolatedSchema();
    await publisher.connect();
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all([publisher.disconnect(), members.a.disconnect(), members.b.disconnect()]);
    await db.drop();
  });

  // `interval`: offsets committed every 200 ms, so a member leaving hands over handled-but-uncommitted messages too.
  it.each(['message', 'interval'] as const)('commit per %s: shares partitions between two members and keeps per-case order while members join and leave', async (commitEvery) => {
    const binding = testBinding(uniqueName('test.rebalance'), 6);
    const groupId = uniqueName('test.rebalance-group');
    await publisher.ensureTopicSpecs([binding]);
    const cases = Array.from({ length: 12 }, randomCaseId);
    const rounds = 40;
    const total = cases.length * rounds;
    const ledger = new ProcessedLedger(db.pool);
    const firstTime: Array<{ by: 'a' | 'b'; caseId: string; seq: number }> = [];
    let duplicates = 0;

    const handler = (by: 'a' | 'b') => async (msg: IncomingMessage<string>) => {
      const { seq } = msg.envelope.payload as TestPayload;
      // A little work per message widens the window in which a rebalance can hit a message in flight.
      await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
      const result = await ledger.runOnce(groupId, msg.envelope.id, async () => undefined);
      if (result.status === 'done') firstTime.push({ by, caseId: msg.envelope.caseId, seq });
      else duplicates++;
    };
    const join = async (by: 'a' | 'b') => {
      const handle = await members[by].consumeBindings({ groupId, bindings: [binding], handler: handler(by), partitionsConsumedConcurrently: 3, commitEvery });
      handles.push(handle);
      return handle;
    };

    const a = await join('a');
    const publishing = (async () => {
      for (let seq = 1; seq <= rounds; seq++) {
        for (const caseId of cases) await publisher.publishTo(binding, testEnvelope(caseId, { seq }));
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    await waitFor(() => firstTime.length >= total / 4, 'member a to process a quarter of the stream');
    await join('b');
    await waitFor(() => firstTime.some((p) => p.by === 'b') && firstTime.length >= total / 2, 'member b to take partitions over');
    await a.stop();
    await publishing;
    await waitFor(() => firstTime.length === total, 'every message to be processed once', 30_000);

    for (const caseId of cases) {
      expect(firstTime.filter((p) => p.caseId === caseId).map((p) => p.seq)).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
    }
    const byA = firstTime.filter((p) => p.by === 'a').length;
    expect(byA).toBeGreaterThan(0);
    expect(total - byA).toBeGreaterThan(0);
    // Redeliveries are allowed (at-least-once) but the ledger must have absorbed all of them.
    expect(duplicates).toBeLessThan(total);
  });
});
