// Real: Kafka broker. Doubles: none. Every service of a deployment starting at the same moment on a fresh topic prefix
// (as compose and Helm start them), each creating the topics it needs and joining its group, as the services do. The
// command `npm run chaos -- --startup` does the same with the built services as processes, ten times.
import { TOPICS, type TopicName } from '@switchboard/contracts';
import { KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { TEST_KAFKA_BROKERS } from '../../../test/support/env';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { rawKafka, testBusConfig, uniqueName, waitFor } from './support/kit';

jest.setTimeout(180_000);

/** What each service consumes (the ingress only publishes, after creating its topic). */
const SERVICES: Array<{ name: string; topics: TopicName[] }> = [
  { name: 'supervisor', topics: [TOPICS.ticketsIngress, TOPICS.agentResults, TOPICS.supervisorCommands] },
  { name: 'triage', topics: [TOPICS.triageTasks] },
  { name: 'retrieval', topics: [TOPICS.retrievalTasks] },
  { name: 'resolver', topics: [TOPICS.resolverTasks] },
  { name: 'verifier', topics: [TOPICS.verifierTasks] },
  { name: 'ingress', topics: [] },
];

describe('first start on a fresh topic prefix, every service at once (real broker)', () => {
  const admin = rawKafka().admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it.each([1, 2, 3])('run %i: every service creates its topics, joins its group and consumes, with no error', async () => {
    const prefix = uniqueName('start').replace(/\./g, '-');
    const buses = SERVICES.map((s) => new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), `start-${s.name}`));
    const handled = new Map<string, number>();
    try {
      // As in the services: the supervisor ensures every contract topic, agents theirs and agent.results, ingress its one.
      const handles: Array<ConsumerHandle | undefined> = await Promise.all(SERVICES.map(async (service, i) => {
        const bus = buses[i]!;
        await bus.connect();
        if (service.name === 'supervisor') await bus.ensureTopics();
        else await bus.ensureTopics(service.name === 'ingress' ? [TOPICS.ticketsIngress] : [...service.topics, TOPICS.agentResults]);
        if (service.topics.length === 0) return undefined;
        const handle = await bus.consume({
          groupId: `switchboard.${service.name}`, topics: service.topics,
          handler: async (msg) => void handled.set(msg.topic, (handled.get(msg.topic) ?? 0) + 1),
        });
        await handle.ready;
        return handle;
      }));
      expect(handles.filter((h) => h && !h.healthy())).toHaveLength(0);

      const topics = new Set(await admin.listTopics());
      for (const topic of Object.values(TOPICS)) {
        for (const t of [topic, `${topic}.retry`, `${topic}.dlq`]) expect(topics).toContain(`${prefix}.${t}`);
      }
      // Every consumer reads: one message to each consumed topic arrives.
      const publisher = buses[SERVICES.length - 1]!;
      const caseId = 'case_0123456789abcdef01234567';
      await publisher.publishTicket({
        externalId: `start-${prefix}`, source: 'api', tenantId: 'acme', region: 'us-east-1', requester: { email: 'a@acme.example' },
        subject: 's', body: 'b', receivedAt: new Date().toISOString(),
      });
      const meta = { caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: null };
      await publisher.publish(TOPICS.supervisorCommands, publisher.envelope(TOPICS.supervisorCommands, { command: 'take_over', by: { userId: 'u', role: 'supervisor' } }, meta));
      await waitFor(() => handled.size === 2, 'the supervisor to read what was published', 30_000);
    } finally {
      await Promise.all(buses.map((b) => b.disconnect()));
    }
  });

  it('waits at start-up for a broker that is not reachable yet, and gives up with a clear error after BUS_STARTUP_TIMEOUT_MS', async () => {
    // The bootstrap address goes through a proxy that is down at first; the broker's own address (from its metadata)
    // is reachable, as when the broker comes up after the service.
    const proxy = await TcpProxy.start(TEST_KAFKA_BROKERS[0]!);
    await proxy.down();
    const prefix = uniqueName('late').replace(/\./g, '-');
    const late = new KafkaBus(testBusConfig({ KAFKA_BROKERS: `127.0.0.1:${proxy.port}`, KAFKA_TOPIC_PREFIX: prefix, BUS_STARTUP_TIMEOUT_MS: '60000' }), 'late-start');
    const never = new KafkaBus(testBusConfig({ KAFKA_BROKERS: `127.0.0.1:${proxy.port}`, KAFKA_TOPIC_PREFIX: prefix, BUS_STARTUP_TIMEOUT_MS: '1000' }), 'never-start');
    try {
      await expect(never.ensureTopics([TOPICS.ticketsIngress])).rejects.toMatchObject({ code: 'BUS.TOPICS_NOT_READY', message: expect.stringContaining(`127.0.0.1:${proxy.port}`) });
      const starting = late.ensureTopics([TOPICS.ticketsIngress]);
      await new Promise((r) => setTimeout(r, 2_000));
      await proxy.up();
      await expect(starting).resolves.toBeUndefined();
      expect(await admin.listTopics()).toContain(`${prefix}.${TOPICS.ticketsIngress}`);
    } finally {
      await Promise.all([late.disconnect(), never.disconnect()]);
      await proxy.close();
    }
  });
});
