// Real: Kafka broker (kafkajs; dead letters and committed offsets read back with raw clients), Nest hybrid app.
// Doubles: none.
import { NestFactory } from '@nestjs/core';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { KafkaBus, type IncomingMessage } from '@switchboard/bus';
import { DeadLetterSchema, newMessageId, type Envelope, type InternalNote, type TopicName } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { BusContext, BusController, BusTransport, ContractMessagePipe, Ctx, EventPattern, Payload, type BusConsumerOptions } from '@switchboard/bus-transport';
import { collectTopic, randomCaseId, rawKafka, testBusConfig, uniqueName, waitFor } from '../../bus/test/support/kit';

jest.setTimeout(60_000);

const NOTES = 'tickets.internal-notes';
const REPLIES = 'tickets.replies';

interface Call {
  topic: string;
  body: string;
  attempt: number;
  offset: string;
  fromContext: boolean;
}

/** What the handlers of the app under test do; each test sets it. */
let behaviour: (message: IncomingMessage<string>) => Promise<void> = async () => undefined;
const calls: Call[] = [];

async function record(message: IncomingMessage<string>, ctx: BusContext): Promise<void> {
  calls.push({
    topic: message.topic, body: (message.envelope.payload as { body: string }).body, attempt: message.deliveryAttempt, offset: message.offset,
    fromContext: ctx.getMessage() === message,
  });
  await behaviour(message);
}

@BusController()
class NotesAndRepliesController {
  @EventPattern(NOTES)
  onNote(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.internal-notes'>, @Ctx() ctx: BusContext): Promise<void> {
    return record(message, ctx);
  }

  @EventPattern(REPLIES)
  onReply(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.replies'>, @Ctx() ctx: BusContext): Promise<void> {
    return record(message, ctx);
  }
}

function envelope<T>(type: string, payload: T): Envelope<T> {
  const caseId = randomCaseId();
  return {
    id: newMessageId(), type, version: 1, caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: null, attempt: 0,
    occurredAt: new Date().toISOString(), payload,
  };
}
const note = (body: string): Envelope<InternalNote> => envelope('case.internal-note', { mode: 'assist', body, proposedActions: [] });
const reply = (body: string) => envelope('case.reply', { source: 'zendesk', externalId: 'ZD-1', to: 'c@example.com', subject: 's', body, evidenceCount: 0 });

describe('BusTransport: @EventPattern handlers over KafkaBus (real broker)', () => {
  const admin = rawKafka().admin();
  const producer = rawKafka().producer();
  const apps: INestApplication[] = [];
  const collectors: Array<{ stop: () => Promise<void> }> = [];

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });
  beforeEach(() => {
    calls.length = 0;
    behaviour = async () => undefined;
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(collectors.map((c) => c.stop()));
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  /** A hybrid app started the way the services start theirs: init, then the bus transport. */
  async function start(options: { prefix: string; groupId: string; controllers?: Type[]; busEnv?: Record<string, string>; transport?: Partial<BusConsumerOptions> }) {
    const bus = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: options.prefix, BUS_MAX_ATTEMPTS: '3', ...options.busEnv }), 'transport-int-spec');
    const transport = new BusTransport(bus, { groupId: options.groupId, ...options.transport });
    const consume = jest.spyOn(bus, 'consume');
    @Module({ controllers: options.controllers ?? [NotesAndRepliesController] })
    class TestModule {}
    const app = await NestFactory.create(TestModule, { logger: false });
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    apps.push(app);
    try {
      await app.init();
      await app.startAllMicroservices();
    } catch (error) {
      apps.splice(apps.indexOf(app), 1);
      await app.close();
      throw error;
    }
    const stop = async () => {
      apps.splice(apps.indexOf(app), 1);
      await app.close();
      await bus.disconnect();
    };
    return { app, bus, transport, consume, stop };
  }

  async function publish(bus: KafkaBus, topic: TopicName, value: Envelope<unknown>) {
    await bus.publish(topic, value as never);
  }

  async function deadLetters(prefix: string, topic: string) {
    const collector = await collectTopic(`${prefix}.${topic}.dlq`);
    collectors.push(collector);
    return () => collector.messages.map((m) => DeadLetterSchema.parse(JSON.parse(m.value!.toString())));
  }

  it('delivers a valid message to the handler of its topic, with its coordinates in the context; ready once listening', async () => {
    const prefix = uniqueName('tt').replace(/\./g, '-');
    const { bus, transport, stop } = await start({ prefix, groupId: uniqueName('test.transport') });
    expect(transport.healthy()).toBe(true);

    // Published right after start returned: a new group reading from 'latest' would skip it if start returned early.
    await publish(bus, NOTES, note('first'));
    await waitFor(() => calls.length === 1, 'the note to be handled');
    expect(calls).toEqual([{ topic: NOTES, body: 'first', attempt: 1, offset: expect.any(String), fromContext: true }]);

    await stop();
    expect(transport.healthy()).toBe(false);
  });

  it('dead-letters an invalid message with its reason without calling the handler, and keeps consuming', async () => {
    const prefix = uniqueName('tt').replace(/\./g, '-');
    const { bus, stop } = await start({ prefix, groupId: uniqueName('test.transport') });
    const dlq = await deadLetters(prefix, NOTES);

    const invalid = { ...note('x'), payload: { mode: 'loud', body: 42 } };
    await producer.send({ topic: `${prefix}.${NOTES}`, messages: [{ key: invalid.caseId, value: JSON.stringify(invalid) }] });
    await publish(bus, NOTES, note('after the bad one'));

    await waitFor(() => dlq().length === 1 && calls.length === 1, 'one dead letter and one handled note');
    expect(calls.map((c) => c.body)).toEqual(['after the bad one']);
    expect(dlq()[0]).toMatchObject({ originalTopic: `${prefix}.${NOTES}`, reason: { code: 'BUS.SCHEMA_INVALID' } });
    expect(dlq()[0]!.reason.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'payload.mode' })]));
    await stop();
  });

  it('hands handler errors to the bus unchanged: a retriable one goes through the retry topic, a user error to the DLQ at once', async () => {
    const prefix = uniqueName('tt').replace(/\./g, '-');
    const { bus, stop } = await start({ prefix, groupId: uniqueName('test.transport') });
    const dlq = await deadLetters(prefix, NOTES);
    behaviour = async (message) => {
      const { body } = message.envelope.payload as InternalNote;
      if (body === 'flaky' && message.deliveryAttempt === 1) throw new SwitchboardError('TEST.FLAKY', 'third_party', 'try again');
      if (body === 'refused') throw new SwitchboardError('TEST.REFUSED', 'user', 'note refused');
    };

    await publish(bus, NOTES, note('flaky'));
    await publish(bus, NOTES, note('refused'));

    await waitFor(() => calls.filter((c) => c.body === 'flaky').length === 2 && dlq().length === 1, 'the retry and the dead letter');
    expect(calls.filter((c) => c.body === 'flaky').map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls.filter((c) => c.body === 'refused').map((c) => c.attempt)).toEqual([1]);
    // Nest's default RPC filter would have turned it into 'Internal server error' and a retried INTERNAL failure.
    expect(dlq()[0]).toMatchObject({ attempts: 1, reason: { code: 'TEST.REFUSED', message: 'note refused' } });
    await stop();
  });

  it('commits a message only after its handler returned; a restarted app does not see it again', async () => {
    const prefix = uniqueName('tt').replace(/\./g, '-');
    const groupId = uniqueName('test.transport');
    const first = await start({ prefix, groupId, transport: { commitEvery: 'message' } });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    behaviour = () => released;
    const committed = async () => {
      const [entry] = await admin.fetchOffsets({ groupId: `${prefix}.${groupId}`, topics: [`${prefix}.${NOTES}`] });
      return entry!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };

    await publish(first.bus, NOTES, note('slow'));
    await waitFor(() => calls.length === 1, 'the handler to start');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await committed()).toBe(0);

    release();
    await waitFor(async () => (await committed()) === 1, 'the commit after the handler returned', 10_000);
    await first.stop();

    behaviour = async () => undefined;
    const second = await start({ prefix, groupId, transport: { commitEvery: 'message' } });
    await publish(second.bus, NOTES, note('next'));
    await waitFor(() => calls.length === 2, 'the next note');
    expect(calls.map((c) => c.body)).toEqual(['slow', 'next']);
    await second.stop();
  });

  it('serves the patterns of one group with one consumer group member, and a pattern with its own groupId with another', async () => {
    const prefix = uniqueName('tt').replace(/\./g, '-');
    const groupId = uniqueName('test.transport');
    const auditGroup = uniqueName('test.transport-audit');
    @BusController()
    class AuditController {
      @EventPattern(REPLIES, { groupId: auditGroup })
      onReply(@Payload(ContractMessagePipe) message: IncomingMessage<'tickets.replies'>, @Ctx() ctx: BusContext): Promise<void> {
        return record(message, ctx);
      }
    }
    const shared = await start({ prefix, groupId });
    expect(shared.consume).toHaveBeenCalledTimes(1);
    expect(shared.consume.mock.calls[0]![0]).toMatchObject({ groupId, topics: [NOTES, REPLIES] });
    const [group] = (await admin.describeGroups([`${prefix}.${groupId}`])).groups;
    expect(group!.members).toHaveLength(1);

    await publish(shared.bus, NOTES, note('a note'));
    await publish(shared.bus, REPLIES, reply('a reply'));
    await waitFor(() => calls.length === 2, 'both handled by the one member');
    await shared.stop();

    calls.length = 0;
    const split = await start({ prefix, groupId: uniqueName('test.transport'), controllers: [AuditController] });
    expect(split.consume.mock.calls.map(([o]) => [o.groupId, o.topics])).toEqual([[auditGroup, [REPLIES]]]);
    await split.stop();
  });

  it('refuses handlers it cannot serve: a topic outside the contracts, conflicting options in one group', async () => {
    @BusController()
    class UnknownTopicController {
      @EventPattern('orders.created')
      on(): void {}
    }
    const prefix = uniqueName('tt').replace(/\./g, '-');
    await expect(start({ prefix, groupId: uniqueName('test.transport'), controllers: [UnknownTopicController] })).rejects.toMatchObject({ code: 'BUS_TRANSPORT.UNKNOWN_TOPIC' });

    const groupId = uniqueName('test.transport');
    @BusController()
    class ConflictController {
      @EventPattern(NOTES)
      onNote(): void {}

      @EventPattern(REPLIES, { commitEvery: 'batch' })
      onReply(): void {}
    }
    await expect(start({ prefix, groupId, controllers: [ConflictController] })).rejects.toMatchObject({ code: 'BUS_TRANSPORT.GROUP_CONFLICT' });
  });
});
