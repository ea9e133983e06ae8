// Real: Kafka broker, Postgres (reached through a TCP proxy the test takes down and brings back; the shared server
// keeps running). Doubles: none.
import { Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { DeadLetterSchema } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { TEST_DATABASE_URL } from '../../../test/support/env';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { collectTopic, randomCaseId, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(90_000);

/** The partition the bus's producer (murmur2) puts `key` on, out of `count`. */
function partitionOf(key: string, count: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** A case id whose messages land on one of `partitions` (of 3). */
function caseOn(partitions: number[]): string {
  for (;;) {
    const caseId = randomCaseId();
    if (partitions.includes(partitionOf(caseId, 3))) return caseId;
  }
}

describe('a dependency outage pauses and retries; a poison message still dead-letters (real broker, real Postgres behind a proxy)', () => {
  const table = `outage_test_${Date.now().toString(36)}`;
  const direct = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  let proxy: TcpProxy;
  let viaProxy: Pool;
  // A retry budget of ~0.1 s: without the outage path, a 3 s outage would dead-letter every message.
  const bus = new KafkaBus(testBusConfig({ BUS_MAX_ATTEMPTS: '2', BUS_RETRY_BASE_MS: '100', BUS_OUTAGE_RETRY_BASE_MS: '100', BUS_OUTAGE_RETRY_MAX_MS: '400' }), 'outage-spec');
  const handles: ConsumerHandle[] = [];
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(async () => {
    await direct.query(`CREATE TABLE ${table} (case_id text NOT NULL, seq int NOT NULL, attempt int NOT NULL, PRIMARY KEY (case_id, seq))`);
    const forwarded = await TcpProxy.forUrl(TEST_DATABASE_URL);
    proxy = forwarded.proxy;
    viaProxy = new Pool({ connectionString: forwarded.url, max: 3, connectionTimeoutMillis: 1_000 });
    viaProxy.on('error', () => undefined);
    await bus.connect();
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all(collectors.map((c) => c.stop()));
    await bus.disconnect();
    await proxy.close();
    await viaProxy.end().catch(() => undefined);
    await direct.query(`DROP TABLE IF EXISTS ${table}`);
    await direct.end();
  });

  it('holds every message while Postgres is unreachable and handles each once, on its first delivery, when it is back', async () => {
    const binding = testBinding(uniqueName('test.outage'), 3);
    const failures: string[] = [];
    const handler = async (msg: IncomingMessage<string>) => {
      const { seq, note } = msg.envelope.payload as TestPayload;
      if (note === 'poison') throw new SwitchboardError('TEST.POISON', 'user', 'this message can never be handled');
      try {
        await viaProxy.query(`INSERT INTO ${table} (case_id, seq, attempt) VALUES ($1, $2, $3)`, [msg.envelope.caseId, seq, msg.deliveryAttempt]);
      } catch (error) {
        failures.push((error as Error).message);
        throw error;
      }
    };
    handles.push(await bus.consumeBindings({ groupId: uniqueName('test.outage-group'), bindings: [binding], handler }));
    const retries = await collectTopic(`${binding.topic}.retry`);
    const dlq = await collectTopic(`${binding.topic}.dlq`);
    collectors.push(retries, dlq);

    // A paused partition holds everything behind the message it waits with, so the poison goes to a partition of
    // its own: the outage must not keep it from the DLQ.
    const cases = [caseOn([0, 1]), caseOn([0, 1]), caseOn([0, 1]), caseOn([0, 1])];
    await bus.publishTo(binding, testEnvelope(cases[0]!, { seq: 1 }));
    await waitFor(async () => (await direct.query(`SELECT 1 FROM ${table}`)).rowCount === 1, 'the first message before the outage');

    await proxy.down();
    for (const caseId of cases) await bus.publishTo(binding, testEnvelope(caseId, { seq: 2 }));
    await bus.publishTo(binding, testEnvelope(caseOn([2]), { seq: 1, note: 'poison' }));
    // Poison is told apart from the outage: it is dead-lettered while the others wait.
    await waitFor(() => dlq.messages.length === 1, 'the poison message in the DLQ during the outage', 10_000);
    // The outage outlasts the retry budget many times over.
    await waitFor(() => failures.length >= 12, 'repeated attempts while Postgres is unreachable', 20_000);
    expect((await direct.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(1);
    await proxy.up();

    await waitFor(async () => (await direct.query(`SELECT 1 FROM ${table}`)).rowCount === 5, 'every held message once Postgres is back', 20_000);
    const { rows } = await direct.query<{ case_id: string; seq: number; attempt: number }>(`SELECT case_id, seq, attempt FROM ${table} ORDER BY case_id, seq`);
    expect(rows.filter((r) => r.seq === 2).map((r) => r.case_id).sort()).toEqual([...cases].sort());
    expect(rows.every((r) => r.attempt === 1)).toBe(true);
    expect(failures.some((m) => /ECONNREFUSED|Connection terminated|timeout exceeded/.test(m))).toBe(true);
    expect(retries.messages).toHaveLength(0);
    expect(dlq.messages).toHaveLength(1);
    expect(DeadLetterSchema.parse(JSON.parse(dlq.messages[0]!.value!.toString())).reason.code).toBe('TEST.POISON');
  });
});
