// Real: Kafka broker (kafkajs; the topic's log read back with a raw client), Nest hybrid app served by BusTransport,
// tracing SDK (W3C propagation). Doubles: none.
import { Module, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import { KafkaBus, type IncomingMessage } from '@switchboard/bus';
import { BusClient, BusController, BusRecord, BusTransport, ContractMessagePipe, EventPattern, Payload } from '@switchboard/bus-transport';
import { type Envelope, type InternalNote } from '@switchboard/contracts';
import { inSpan, initTracing } from '@switchboard/observability';
import { collectTopic, randomCaseId, rawKafka, testBusConfig, uniqueName, waitFor } from '../../bus/test/support/kit';

jest.setTimeout(60_000);
initTracing({ serviceName: 'client-int-spec' });

const NOTES = 'tickets.internal-notes';
const received: Array<IncomingMessage<typeof NOTES>> = [];

@BusController()
class NotesController {
  @EventPattern(NOTES)
  async onNote(@Payload(ContractMessagePipe) message: IncomingMessage<typeof NOTES>): Promise<void> {
    received.push(message);
  }
}

describe('BusClient: emit through KafkaBus to an @EventPattern handler (real broker)', () => {
  const prefix = uniqueName('tc').replace(/\./g, '-');
  const admin = rawKafka().admin();
  const consumerBus = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), 'client-int-spec-consumer');
  let app: INestApplication;
  let client: BusClient;
  let log: Awaited<ReturnType<typeof collectTopic>>;

  /** A producing app of its own, as a second service would be: its bus is not the consumer's. */
  @Module({ providers: [{ provide: KafkaBus, useFactory: () => new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), 'client-int-spec') }, BusClient] })
  class ProducerModule {}
  let producer: INestApplicationContext;

  beforeAll(async () => {
    @Module({ controllers: [NotesController], providers: [{ provide: BusTransport, useValue: new BusTransport(consumerBus, { groupId: uniqueName('test.client') }) }] })
    class ConsumerModule {}
    app = await NestFactory.create(ConsumerModule, { logger: false });
    app.connectMicroservice({ strategy: app.get(BusTransport) }, { inheritAppConfig: true });
    await app.init();
    await app.startAllMicroservices();

    producer = await NestFactory.createApplicationContext(ProducerModule, { logger: false });
    client = producer.get(BusClient);
    await admin.connect();
    log = await collectTopic(`${prefix}.${NOTES}`);
  });
  afterAll(async () => {
    await log?.stop();
    await producer?.close();
    await producer?.get(KafkaBus).disconnect();
    await app?.close();
    await consumerBus.disconnect();
    await admin.disconnect();
  });

  const meta = () => {
    const caseId = randomCaseId();
    return { caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: 'task-7' };
  };
  const note = (body: string, fields = meta()) => new BusRecord<typeof NOTES>({ mode: 'assist', body, proposedActions: [] }, fields);
  const inLog = async () => (await admin.fetchTopicOffsets(`${prefix}.${NOTES}`)).reduce((sum, p) => sum + Number(p.high), 0);

  it('delivers an emitted record, validated and enveloped, to the handler in the emitter\'s trace; the Observable completes once the broker has it', async () => {
    const fields = meta();
    const traceId = await inSpan('test emitter', {}, async (span) => {
      await lastValueFrom(client.emit(NOTES, note('first', fields)));
      return span.spanContext().traceId;
    });
    // acks = all: by the time emit completed the record is in the (prefixed) topic's log.
    expect(await inLog()).toBe(1);

    await waitFor(() => received.length === 1, 'the note at the handler');
    const [message] = received;
    expect(message!.envelope).toMatchObject({ ...fields, type: 'case.internal-note', version: 1, attempt: 0, payload: { mode: 'assist', body: 'first', proposedActions: [] } });
    expect(message!.headers).toMatchObject({ 'message-id': message!.envelope.id, type: 'case.internal-note' });
    expect(message!.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('refuses an invalid payload before sending it: nothing reaches the topic', async () => {
    const before = await inLog();
    const invalid = new BusRecord<typeof NOTES>({ mode: 'loud', body: 42 } as never, meta());
    await expect(lastValueFrom(client.emit(NOTES, invalid))).rejects.toMatchObject({ code: 'BUS.PUBLISH_INVALID' });
    await lastValueFrom(client.emit(NOTES, note('after the invalid one')));

    await waitFor(() => log.messages.length === before + 1 && received.length === 2, 'the valid note in the log and at the handler');
    expect(await inLog()).toBe(before + 1);
    const bodies = log.messages.map((m) => (JSON.parse(m.value!.toString()) as Envelope<InternalNote>).payload.body);
    expect(bodies).toEqual(['first', 'after the invalid one']);
    expect(received.map((m) => m.envelope.payload.body)).toEqual(['first', 'after the invalid one']);
  });

  it('fails a request at once with the reason, instead of waiting for an answer that never comes', async () => {
    const started = Date.now();
    await expect(lastValueFrom(client.send(NOTES, note('a question')))).rejects.toMatchObject({ code: 'BUS_CLIENT.NO_REQUESTS', message: expect.stringContaining('the bus carries events') });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
