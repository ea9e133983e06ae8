// Real: Kafka broker, Postgres (isolated schema), a child-process relay killed with SIGKILL mid-publish. Doubles: none.
import { KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { inTransaction, Outbox, OutboxRelay, ProcessedLedger } from '@switchboard/store';
import { randomCaseId, spawnTs, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from '../../bus/test/support/kit';
import { isolatedSchema, type IsolatedSchema } from './support/isolated-schema';

jest.setTimeout(60_000);

describe('outbox across a relay crash (real broker, database and process kill)', () => {
  let db: IsolatedSchema;
  const bus = new KafkaBus(testBusConfig(), 'outbox-crash-spec');
  let handle: ConsumerHandle | undefined;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    db = await isolatedSchema();
    await db.pool.query('CREATE TABLE cases (id text PRIMARY KEY, step int NOT NULL)');
    await bus.connect();
  });
  afterAll(async () => {
    await relay?.stop();
    await handle?.stop();
    await bus.disconnect();
    await db.drop();
  });

  it('delivers every committed message exactly once to a ledger-using consumer after a crash between commit and publish', async () => {
    const binding = testBinding(uniqueName('test.outbox-crash'), 3);
    await bus.ensureTopicSpecs([binding]);
    const cases = Array.from({ length: 8 }, randomCaseId);
    // State change and outgoing message commit together; no relay is running ("crashed" after the commit).
    for (let step = 1; step <= 4; step++) {
      for (const caseId of cases) {
        await inTransaction(db.pool, async (tx) => {
          await tx.query('INSERT INTO cases (id, step) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET step = $2', [caseId, step]);
          await Outbox.add(tx, [{ topic: binding.topic, key: caseId, value: testEnvelope(caseId, { seq: step }) }]);
        });
      }
    }
    const total = cases.length * 4;

    const groupId = uniqueName('test.outbox-consumer');
    const ledger = new ProcessedLedger(db.pool);
    const firstTime = new Map<string, number[]>();
    let duplicates = 0;
    handle = await bus.consumeBindings({
      groupId,
      bindings: [binding],
      handler: async (msg) => {
        const { seq } = msg.envelope.payload as TestPayload;
        const result = await ledger.runOnce(groupId, msg.envelope.id, (tx) =>
          tx.query('INSERT INTO effects (case_id, seq, by) VALUES ($1, $2, $3)', [msg.envelope.caseId, seq, 'consumer']));
        if (result.status === 'duplicate') duplicates++;
        else firstTime.set(msg.envelope.caseId, [...(firstTime.get(msg.envelope.caseId) ?? []), seq]);
      },
    });

    const child = spawnTs('libs/store/test/support/crashing-relay.ts', [], { TEST_PG_URL: db.connection.connectionString, TEST_PG_OPTIONS: db.connection.options });
    await waitFor(() => child.lines.some((l) => l.startsWith('PUBLISHED')), 'the doomed relay to publish half its batch', 30_000);
    const published = Number(/PUBLISHED (\d+)/.exec(child.lines.find((l) => l.startsWith('PUBLISHED'))!)![1]);
    expect(published).toBe(total / 2);
    await waitFor(() => [...firstTime.values()].flat().length === published, 'the consumer to process what was published');

    // While the doomed relay holds its row locks, a second relay skips them instead of publishing them again.
    relay = new OutboxRelay(db.pool, (records) => bus.publishRaw(records), { pollIntervalMs: 50 });
    expect(await relay.drainOnce()).toBe(0);

    child.child.kill('SIGKILL');
    await child.exited;
    await relay.start();

    // Waits on what the handler records after its transaction too: the effect row commits before the handler's
    // bookkeeping below it runs, so the table alone can be complete a moment before `firstTime` is.
    await waitFor(() => [...firstTime.values()].flat().length >= total && duplicates >= published, 'every message to arrive', 30_000);
    expect(Number((await db.pool.query('SELECT count(*) FROM effects')).rows[0].count)).toBe(total);
    expect(Number((await db.pool.query('SELECT count(*) FROM outbox WHERE sent_at IS NULL')).rows[0].count)).toBe(0);
    const { rows } = await db.pool.query('SELECT case_id, seq, count(*)::int AS n FROM effects GROUP BY case_id, seq HAVING count(*) > 1');
    expect(rows).toEqual([]);
    // The relay re-sent what the dead one had published; the ledger absorbed exactly those.
    expect(duplicates).toBe(published);
    for (const caseId of cases) expect(firstTime.get(caseId)).toEqual([1, 2, 3, 4]);
  });
});
