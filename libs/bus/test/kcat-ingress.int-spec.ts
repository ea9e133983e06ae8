// Real: Kafka broker, the `kcat` CLI as an independent producer (installed by scripts/setup), the contract topic
// tickets.ingress. Doubles: none. Other tests may share tickets.ingress, so this one filters by its own group/ids.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { caseIdFor, DeadLetterSchema, type TicketEventInput } from '@switchboard/contracts';
import { KafkaBus, stableMessageId, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { TEST_KAFKA_BROKERS } from '../../../test/support/env';
import { collectTopic, testBusConfig, uniqueName, waitFor } from './support/kit';

function kcatProduce(lines: string[]): void {
  try {
    execFileSync('kcat', ['-P', '-b', TEST_KAFKA_BROKERS[0]!, '-t', 'tickets.ingress'], { input: `${lines.join('\n')}\n`, timeout: 15_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('kcat is not installed: run scripts/setup or `apt-get install -y kcat`');
    throw error;
  }
}

describe('tickets.ingress from kcat (real broker)', () => {
  const bus = new KafkaBus(testBusConfig(), 'kcat-ingress-spec');
  const groupId = uniqueName('test.ingress-group');
  const received: Array<IncomingMessage<'tickets.ingress'>> = [];
  let handle: ConsumerHandle;
  let dlq: Awaited<ReturnType<typeof collectTopic>>;
  const run = randomBytes(4).toString('hex');
  const ticket = (externalId: string): TicketEventInput => ({
    externalId, source: 'zendesk', tenantId: 'acme-eu', region: 'eu-sovereign',
    requester: { email: 'ops@example.com', name: 'Ops' }, subject: 'Dashboard blank', body: 'Since the toggle the dashboard is blank.',
    receivedAt: '2026-11-21T10:00:00Z', tags: ['dashboard'],
  });
  const mine = (m: IncomingMessage<'tickets.ingress'>) => m.envelope.payload.externalId.endsWith(run);

  beforeAll(async () => {
    await bus.connect();
    await bus.ensureTopics(['tickets.ingress']);
    handle = await bus.consume({ groupId, topics: ['tickets.ingress'], fromBeginning: false, handler: async (m) => void received.push(m) });
    await handle.ready;
    dlq = await collectTopic('tickets.ingress.dlq');
  });
  afterAll(async () => {
    await handle.stop();
    await dlq.stop();
    await bus.disconnect();
  });

  it('accepts a documented ticket event written by kcat and wraps it into an envelope', async () => {
    const valid = ticket(`KC-valid-${run}`);
    kcatProduce([JSON.stringify(valid)]);

    await waitFor(() => received.some(mine), 'the kcat ticket to be handled');
    const msg = received.find(mine)!;
    const caseId = caseIdFor(valid);
    expect(msg.envelope).toMatchObject({
      caseId, correlationId: caseId, causationId: null, tenantId: 'acme-eu', region: 'eu-sovereign', type: 'ticket.received',
      payload: { ...valid, priority: 'normal', metadata: {} },
    });
    expect(msg.envelope.id).toBe(stableMessageId({ topic: 'tickets.ingress', partition: msg.partition, offset: msg.offset }, Buffer.from(JSON.stringify(valid))));
    expect(msg.deliveryAttempt).toBe(1);
  });

  it('dead-letters an invalid event and a non-JSON line with readable reasons', async () => {
    const invalid = { ...ticket(`KC-invalid-${run}`), source: 'Zendesk!', requester: { email: 'not-an-email' }, subject: '', receivedAt: 'yesterday' };
    kcatProduce([JSON.stringify(invalid), `not json ${run}`]);

    const letters = () => dlq.messages
      .map((m) => DeadLetterSchema.parse(JSON.parse(m.value!.toString())))
      .filter((l) => l.consumerGroup === groupId && Buffer.from(l.originalValueBase64, 'base64').toString().includes(run));
    await waitFor(() => letters().length === 2, 'two dead letters on tickets.ingress.dlq');
    const [schema, json] = [letters().find((l) => l.reason.code === 'BUS.SCHEMA_INVALID')!, letters().find((l) => l.reason.code === 'BUS.INVALID_JSON')!];
    expect(schema.reason.issues?.map((i) => i.path).sort()).toEqual(['receivedAt', 'requester.email', 'source', 'subject']);
    expect(schema.reason.message).toMatch(/^message on tickets\.ingress is not a ticket\.received event: /);
    expect(schema.reason.message).toContain('source must be lowercase, e.g. zendesk, email, api');
    expect(JSON.parse(Buffer.from(schema.originalValueBase64, 'base64').toString())).toEqual(invalid);
    expect(schema).toMatchObject({ originalTopic: 'tickets.ingress', key: null, attempts: 0 });
    expect(json.reason.message).toContain('not valid JSON');
    expect(received.filter(mine).map((m) => m.envelope.payload.externalId)).toEqual([`KC-valid-${run}`]);
  });

  it('round-trips a ticket published through publishTicket, keyed by its case id', async () => {
    const t = ticket(`API-${run}`);
    await bus.publishTicket(t);
    await waitFor(() => received.some((m) => m.envelope.payload.externalId === t.externalId), 'the published ticket');
    expect(received.find((m) => m.envelope.payload.externalId === t.externalId)!.envelope.caseId).toBe(caseIdFor(t));
  });
});
