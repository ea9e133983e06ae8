import { AssignerProtocol, PartitionAssigners, type GroupMember, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';

/** The group protocol name this assigner registers under; the broker picks it once every member offers it. */
export const CO_PARTITIONED_PROTOCOL = 'SwitchboardCoPartitioned';

/**
 * Which member gets which partitions: partition p of every topic goes to the (p mod n)-th of the n members subscribed to
 * that topic, members sorted by id. Topics with the same partition count are therefore co-partitioned: a key's
 * messages on all of them reach the same member, as Kafka's own range assigner and Kafka Streams arrange it. kafkajs
 * ships only a round-robin assigner, which numbers the partitions of all subscribed topics in one sequence, in the
 * order the metadata lists them. It co-partitions only by arithmetic: when the partitions before each topic are a
 * multiple of the member count (the supervisor subscribes five topics and their five retry topics of six partitions,
 * so 1, 2, 3, 4 and 6 replicas) and every topic lists its partitions in the same order. With 5 replicas a case's ticket
 * and its agents' results met different supervisor replicas: a read of the case the other one had cached, and outbox
 * rows left to the relay because the first replica's were not yet marked sent, about 200 ms per case (docs/bus.md,
 * "Which member gets which partitions").
 *
 * Pure, for tests; `subscriptions` maps each member id to the topics it subscribed to.
 *
 * @example
 * coPartitionedAssignment({ a: ['t', 'u'], b: ['t', 'u'] }, { t: [0, 1, 2], u: [0, 1, 2] });
 * // { a: { t: [0, 2], u: [0, 2] }, b: { t: [1], u: [1] } }
 */
export function coPartitionedAssignment(
  subscriptions: Readonly<Record<string, readonly string[]>>,
  partitionsByTopic: Readonly<Record<string, readonly number[]>>,
): Record<string, Record<string, number[]>> {
  const assignment: Record<string, Record<string, number[]>> = {};
  for (const memberId of Object.keys(subscriptions)) assignment[memberId] = {};
  for (const topic of Object.keys(partitionsByTopic).sort()) {
    const members = Object.keys(subscriptions).filter((id) => subscriptions[id]!.includes(topic)).sort();
    if (members.length === 0) continue;
    for (const partition of [...partitionsByTopic[topic]!].sort((a, b) => a - b)) {
      const member = assignment[members[partition % members.length]!]!;
      (member[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

/**
 * The bus's preferred partition assigner (see {@link coPartitionedAssignment}). Consumers offer it first and kafkajs's
 * round-robin second ({@link BUS_PARTITION_ASSIGNERS}): the broker chooses a protocol every member of the group
 * supports, so during a rolling upgrade from a release without it the group keeps round-robin, and switches at the
 * first rebalance after the last old member left.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_PROTOCOL,
  version: 0,

  async assign({ members, topics }: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]> {
    const subscriptions: Record<string, string[]> = {};
    for (const { memberId, memberMetadata } of members) {
      subscriptions[memberId] = subscribedTopics(memberMetadata) ?? topics;
    }
    const partitionsByTopic: Record<string, number[]> = {};
    for (const topic of topics) partitionsByTopic[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    const assignment = coPartitionedAssignment(subscriptions, partitionsByTopic);
    return Object.entries(assignment).map(([memberId, topicsOf]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: topicsOf, userData: Buffer.alloc(0) }),
    }));
  },

  protocol({ topics }: { topics: string[] }) {
    return { name: CO_PARTITIONED_PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});

/** The topics a member's protocol metadata names; undefined when it cannot be read (taken as the leader's, as round-robin does). */
function subscribedTopics(metadata: Buffer): string[] | undefined {
  try {
    const topics = AssignerProtocol.MemberMetadata.decode(metadata)?.topics;
    return Array.isArray(topics) ? topics : undefined;
  } catch {
    return undefined;
  }
}

/** What every consumer of the bus offers, most preferred first. */
export const BUS_PARTITION_ASSIGNERS: PartitionAssigner[] = [CoPartitionedAssigner, PartitionAssigners.roundRobin];
