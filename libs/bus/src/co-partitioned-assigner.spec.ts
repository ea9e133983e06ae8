import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { CO_PARTITIONED_PROTOCOL, CoPartitionedAssigner, coPartitionedAssignment } from './co-partitioned-assigner';

const six = [0, 1, 2, 3, 4, 5];

describe('coPartitionedAssignment', () => {
  it('gives partition p of every topic to the same member, members sorted by id', () => {
    const both = ['t.ingress', 't.results'];
    const assignment = coPartitionedAssignment({ m3: both, m1: both, m2: both, m0: both }, { 't.results': six, 't.ingress': [5, 4, 3, 2, 1, 0] });
    expect(assignment).toEqual({
      m0: { 't.ingress': [0, 4], 't.results': [0, 4] },
      m1: { 't.ingress': [1, 5], 't.results': [1, 5] },
      m2: { 't.ingress': [2], 't.results': [2] },
      m3: { 't.ingress': [3], 't.results': [3] },
    });
  });

  it('gives every partition to exactly one member, whatever the members and partitions', () => {
    for (let members = 1; members <= 7; members++) {
      const subs = Object.fromEntries(Array.from({ length: members }, (_, i) => [`member-${i}`, ['a', 'b']]));
      const assignment = coPartitionedAssignment(subs, { a: six, b: [0, 1, 2] });
      for (const topic of ['a', 'b']) {
        const all = Object.values(assignment).flatMap((t) => t[topic] ?? []).sort((x, y) => x - y);
        expect(all).toEqual(topic === 'a' ? six : [0, 1, 2]);
      }
    }
  });

  it('assigns a topic only among the members subscribed to it', () => {
    const assignment = coPartitionedAssignment({ a: ['x', 'y'], b: ['x'] }, { x: [0, 1], y: [0, 1] });
    expect(assignment).toEqual({ a: { x: [0], y: [0, 1] }, b: { x: [1] } });
  });

  it('leaves a member with nothing when there are more members than partitions', () => {
    expect(coPartitionedAssignment({ a: ['x'], b: ['x'], c: ['x'] }, { x: [0, 1] })).toEqual({ a: { x: [0] }, b: { x: [1] }, c: {} });
  });
});

describe('CoPartitionedAssigner (the kafkajs assigner around it)', () => {
  const partitions: Record<string, number[]> = { 't.ingress': six, 't.results': six };
  const cluster = { findTopicPartitionMetadata: (topic: string) => (partitions[topic] ?? []).map((partitionId) => ({ partitionId })) } as unknown as Cluster;
  const assigner = CoPartitionedAssigner({ cluster, groupId: 'g', logger: {} as Logger });
  const metadata = (topics: string[]) => AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) });

  it('advertises its protocol with the member subscription', () => {
    const protocol = assigner.protocol({ topics: ['t.ingress'] });
    expect(protocol.name).toBe(CO_PARTITIONED_PROTOCOL);
    expect(AssignerProtocol.MemberMetadata.decode(protocol.metadata)?.topics).toEqual(['t.ingress']);
  });

  it('reads each member subscription from its metadata and encodes the assignment kafkajs expects', async () => {
    const result = await assigner.assign({
      topics: ['t.ingress', 't.results'],
      members: [
        { memberId: 'b', memberMetadata: metadata(['t.ingress', 't.results']) },
        { memberId: 'a', memberMetadata: metadata(['t.ingress']) },
        // unreadable metadata: taken to subscribe to the leader's topics
        { memberId: 'c', memberMetadata: Buffer.from([1]) },
      ],
    });
    const decoded = Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)?.assignment]));
    expect(decoded).toEqual({
      a: { 't.ingress': [0, 3] },
      b: { 't.ingress': [1, 4], 't.results': [0, 2, 4] },
      c: { 't.ingress': [2, 5], 't.results': [1, 3, 5] },
    });
  });
});
