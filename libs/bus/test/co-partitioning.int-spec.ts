// Real: Kafka broker (five consumer group members, each with its own client; the group's protocol read back with the
// admin API). Doubles: none.
import { AssignerProtocol } from 'kafkajs';
import { CO_PARTITIONED_PROTOCOL, KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { randomCaseId, rawKafka, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor } from './support/kit';

jest.setTimeout(90_000);

describe('co-partitioned consumer groups (real broker)', () => {
  const publisher = new KafkaBus(testBusConfig(), 'copart-publisher');
  const members = Array.from({ length: 5 }, (_, i) => new KafkaBus(testBusConfig(), `copart-${i}`));
  const admin = rawKafka().admin();
  const handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    await Promise.all([publisher.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all([publisher.disconnect(), admin.disconnect(), ...members.map((m) => m.disconnect())]);
  });

  // kafkajs's own round-robin numbers the partitions of all subscribed topics in one sequence. Each binding here is
  // two topics (the topic and its retry topic), so the second binding's partitions start at number 12: with five
  // members its partition 0 went to the third member, and a case's messages on the two topics met different members.
  // The supervisor consumes five topics keyed by case id, and five replicas is a deployment one may run.
  it('five members over two topics of six partitions: each case id is handled by one member on both topics', async () => {
    const tickets = testBinding(uniqueName('test.copart-a'), 6);
    const results = testBinding(uniqueName('test.copart-b'), 6);
    const groupId = uniqueName('test.copart-group');
    await publisher.ensureTopicSpecs([tickets, results]);

    const handledBy = new Map<string, number>(); // `${topic}|${caseId}` → member
    const handler = (member: number) => async (msg: IncomingMessage<string>) => {
      handledBy.set(`${msg.topic}|${msg.envelope.caseId}`, member);
    };
    for (const [i, bus] of members.entries()) {
      handles.push(await bus.consumeBindings({ groupId, bindings: [tickets, results], handler: handler(i) }));
    }

    // Publish only once the group is stable with all four members assigned: a rebalance in between may move a
    // partition legitimately.
    let description: Awaited<ReturnType<typeof admin.describeGroups>>['groups'][number] | undefined;
    await waitFor(async () => {
      description = (await admin.describeGroups([groupId])).groups[0];
      return description?.state === 'Stable' && description.members.length === 5
        && description.members.every((m) => (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})[tickets.topic] !== undefined);
    }, 'the group to be stable with five assigned members', 60_000);

    const cases = Array.from({ length: 80 }, randomCaseId);
    for (const caseId of cases) {
      await publisher.publishTo(tickets, testEnvelope(caseId, { seq: 1 }));
      await publisher.publishTo(results, testEnvelope(caseId, { seq: 2 }));
    }
    await waitFor(() => handledBy.size === cases.length * 2, 'every message to be handled', 30_000);

    const split = cases.filter((caseId) => handledBy.get(`${tickets.topic}|${caseId}`) !== handledBy.get(`${results.topic}|${caseId}`));
    expect(split).toEqual([]);
    expect(description!.protocol).toBe(CO_PARTITIONED_PROTOCOL);
    // Every member had work: six partitions over five members, 80 random keys.
    expect(new Set(handledBy.values()).size).toBe(5);
  });
});
