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

    // Publish only once the group is stable with all five members assigned: a rebalance in between may move a
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

  // A rolling upgrade: a member of a release without the assigner offers only kafkajs's round-robin. The broker picks
  // a protocol every member supports, so the mixed group runs round-robin, and the first rebalance after the old
  // member left switches it.
  it('a group with a member that offers only round-robin keeps round-robin, and switches once that member left', async () => {
    const binding = testBinding(uniqueName('test.copart-upgrade'), 6);
    const groupId = uniqueName('test.copart-upgrade-group');
    await publisher.ensureTopicSpecs([binding]);
    const protocolOf = async (membersExpected: number) => {
      let found: string | undefined;
      await waitFor(async () => {
        const group = (await admin.describeGroups([groupId])).groups[0];
        found = group?.protocol;
        return group?.state === 'Stable' && group.members.length === membersExpected;
      }, `the group to be stable with ${membersExpected} member(s)`, 60_000);
      return found;
    };

    const handled: string[] = [];
    const old = rawKafka().consumer({ groupId, maxWaitTimeInMs: 100 }); // kafkajs's defaults: round-robin only
    await old.connect();
    await old.subscribe({ topics: [binding.topic, `${binding.topic}.retry`], fromBeginning: true });
    await old.run({ eachMessage: async ({ message }) => void handled.push(`old:${message.key?.toString()}`) });
    try {
      handles.push(await members[0]!.consumeBindings({ groupId, bindings: [binding], handler: async (msg) => void handled.push(`new:${msg.envelope.caseId}`) }));
      expect(await protocolOf(2)).toBe('RoundRobinAssigner');

      const cases = Array.from({ length: 40 }, randomCaseId);
      for (const caseId of cases) await publisher.publishTo(binding, testEnvelope(caseId, { seq: 1 }));
      await waitFor(() => handled.length === cases.length, 'the mixed group to handle every message', 30_000);
      expect(handled.some((h) => h.startsWith('old:')) && handled.some((h) => h.startsWith('new:'))).toBe(true);
    } finally {
      await old.disconnect();
    }
    expect(await protocolOf(1)).toBe(CO_PARTITIONED_PROTOCOL);
  });
});
