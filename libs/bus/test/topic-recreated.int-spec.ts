// Real: Kafka broker (the topic deleted and created again through the admin API), Postgres (the processed-message
// ledger the supervisor uses). Doubles: none.
// A topic created again (or a rebuilt cluster) restarts its offsets at 0. Bare tickets on tickets.ingress get their
// message id from where they were written; a new ticket at an old ticket's coordinates must not be taken for a
// redelivery of it and skipped.
import { randomBytes } from 'node:crypto';
import type { TicketEventInput } from '@switchboard/contracts';
import { KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { ProcessedLedger } from '@switchboard/store';
import { isolatedSchema, type IsolatedSchema } from '../../store/test/support/isolated-schema';
import { rawKafka, testBusConfig, uniqueName, waitFor } from './support/kit';

jest.setTimeout(90_000);

describe('tickets.ingress created again (real broker, real ledger)', () => {
  const prefix = uniqueName('recreated').replace(/\./g, '-');
  const topic = `${prefix}.tickets.ingress`;
  const kafka = rawKafka();
  const admin = kafka.admin();
  const producer = kafka.producer();
  const run = randomBytes(4).toString('hex');
  let db: IsolatedSchema;
  const ticket = (externalId: string): TicketEventInput => ({
    externalId, source: 'api', tenantId: 'acme-eu', region: 'eu-sovereign', requester: { email: 'ops@example.com' },
    subject: 'Dashboard blank', body: 'Since the toggle the dashboard is blank.', receivedAt: '2026-12-05T10:00:00Z',
  });

  beforeAll(async () => {
    db = await isolatedSchema();
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await db.drop();
  });

  /**
   * Writes one bare ticket to partition 0 and consumes the topic from the start with a ledger-backed handler, on a
   * bus of its own (a bus remembers the topics it has created, as a service started after the rebuild would not).
   */
  async function deliver(externalId: string, groupId: string): Promise<{ msg: IncomingMessage<'tickets.ingress'>; status: string }> {
    const bus = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), 'topic-recreated-spec');
    await bus.ensureTopics(['tickets.ingress']);
    await producer.send({ topic, messages: [{ partition: 0, value: JSON.stringify(ticket(externalId)) }] });
    const ledger = new ProcessedLedger(db.pool);
    const seen: Array<{ msg: IncomingMessage<'tickets.ingress'>; status: string }> = [];
    const handle: ConsumerHandle = await bus.consume({
      groupId, topics: ['tickets.ingress'], fromBeginning: true,
      handler: async (msg) => {
        const result = await ledger.runOnce('supervisor-like', msg.envelope.id, async () => undefined);
        seen.push({ msg, status: result.status });
      },
    });
    try {
      await waitFor(() => seen.some((s) => s.msg.envelope.payload.externalId === externalId), `ticket ${externalId} handled`, 45_000);
    } finally {
      await handle.stop();
      await bus.disconnect();
    }
    return seen.find((s) => s.msg.envelope.payload.externalId === externalId)!;
  }

  it('handles a new ticket at the coordinates of one handled before the topic was deleted, instead of skipping it', async () => {
    const before = await deliver(`OLD-${run}`, uniqueName('test.recreated-a'));
    expect(before.status).toBe('done');

    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), 'the topic to be gone', 30_000);

    const after = await deliver(`NEW-${run}`, uniqueName('test.recreated-b'));
    // The same coordinates as the old ticket, yet its own id: the ledger runs it.
    expect([after.msg.partition, after.msg.offset]).toEqual([before.msg.partition, before.msg.offset]);
    expect(after.msg.envelope.id).not.toBe(before.msg.envelope.id);
    expect(after.status).toBe('done');
  });
});
