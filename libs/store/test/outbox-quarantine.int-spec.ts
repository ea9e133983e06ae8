// Real: Postgres (isolated schema), Kafka broker (publishing through KafkaBus.publishRaw, read back with kafkajs).
// Doubles: none — the unpublishable row is a record larger than the broker accepts.
import { Registry } from 'prom-client';
import { KafkaBus } from '@switchboard/bus';
import { inTransaction, Outbox, outboxGauges, OutboxRelay } from '@switchboard/store';
import { collectTopic, testBusConfig, uniqueName, waitFor } from '../../bus/test/support/kit';
import { isolatedSchema, type IsolatedSchema } from './support/isolated-schema';

jest.setTimeout(60_000);

describe('outbox relay without head-of-line blocking (real Postgres, real broker)', () => {
  let db: IsolatedSchema;
  const bus = new KafkaBus(testBusConfig(), 'outbox-quarantine-spec');
  const relays: OutboxRelay[] = [];
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(() => bus.connect());
  beforeEach(async () => {
    db = await isolatedSchema();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await db.drop();
  });
  afterAll(() => bus.disconnect());

  it('quarantines a row the broker refuses, with its reason, while every other row (its own case after it) flows', async () => {
    const topic = uniqueName('test.outbox-hol');
    await bus.ensureTopicSpecs([{ topic, partitions: 3 }]);
    const arrived = await collectTopic(topic);
    collectors.push(arrived);
    const huge = 'x'.repeat(2_000_000); // over the broker's message.max.bytes
    await inTransaction(db.pool, (tx) => Outbox.add(tx, [
      { topic, key: 'case-p', value: { n: 'p1', huge } },
      { topic, key: 'case-a', value: { n: 'a1' } },
      { topic, key: 'case-p', value: { n: 'p2' } },
      { topic, key: 'case-b', value: { n: 'b1' } },
    ]));
    const relay = new OutboxRelay(db.pool, (records) => bus.publishRaw(records), { pollIntervalMs: 50, retryDelayMs: 20, rowRetryDelayMs: 50, quarantineAfter: 3 });
    relays.push(relay);
    await relay.start();
    const names = () => arrived.messages.map((m) => (JSON.parse(m.value!.toString()) as { n: string }).n);

    // The other cases do not wait for the refused row's retries.
    await waitFor(() => names().includes('a1') && names().includes('b1'), 'the rows of other cases');
    expect(names()).not.toContain('p2');

    // Its own case waits (order), until the row is quarantined; then the rest of the case flows.
    await waitFor(() => names().includes('p2'), 'the refused row to be quarantined and its case to move on', 20_000);
    const [quarantined, ...more] = await OutboxRelay.quarantined(db.pool);
    expect(more).toHaveLength(0);
    expect(quarantined).toMatchObject({ topic, key: 'case-p', attempts: 3, lastError: expect.stringMatching(/larger than the max message size/) });
    expect(names().filter((n) => n === 'p1')).toHaveLength(0);

    const registry = new Registry();
    outboxGauges(registry, db.pool);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/switchboard_outbox_quarantined 1/);
    expect(metrics).toMatch(/switchboard_outbox_unsent 0/);

    // An operator fixes the cause (here: trims the row) and requeues it.
    await db.pool.query(`UPDATE outbox SET value = '{"n":"p1-trimmed"}' WHERE id = $1`, [quarantined!.id]);
    expect(await OutboxRelay.requeue(db.pool, [quarantined!.id])).toBe(1);
    await waitFor(() => names().includes('p1-trimmed'), 'the requeued row');
    expect(await OutboxRelay.quarantined(db.pool)).toHaveLength(0);
  });

  it('counts nothing against the rows while the broker is unreachable, and publishes them once it is back', async () => {
    await inTransaction(db.pool, (tx) => Outbox.add(tx, [1, 2, 3].map((n) => ({ topic: 'test.any', key: `c${n}`, value: { n } }))));
    let down = true;
    const published: number[] = [];
    const relay = new OutboxRelay(db.pool, async (records) => {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
      published.push(...records.map((r) => (JSON.parse(r.value) as { n: number }).n));
    }, { pollIntervalMs: 50, retryDelayMs: 20, quarantineAfter: 1 });
    relays.push(relay);

    await expect(relay.drainOnce()).rejects.toThrow('ECONNREFUSED');
    await expect(relay.drainOnce()).rejects.toThrow('ECONNREFUSED');
    const { rows } = await db.pool.query<{ attempts: number; quarantined: boolean }>('SELECT attempts, quarantined_at IS NOT NULL AS quarantined FROM outbox');
    expect(rows.every((r) => r.attempts === 0 && !r.quarantined)).toBe(true);
    down = false;
    expect(await relay.drainOnce()).toBe(3);
    expect(published).toEqual([1, 2, 3]);
  });
});
