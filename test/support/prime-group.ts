import { Kafka, logLevel, type Admin } from 'kafkajs';

/** How long the priming member may take to join (a group whose earlier members left uncleanly waits for their session to end). */
const JOIN_TIMEOUT_MS = 60_000;

/**
 * Commits a consumer group's offsets at the current end of each topic, so the group reads only what is published from
 * now on (not what earlier suites left on shared topics) and loses nothing published before it first starts. The group
 * must have no running member.
 *
 * One short-lived member joins the group once, for all the topics. kafkajs' `admin.setOffsets` joins the group once
 * per topic and waits for a fetch each time, which takes the consumer's 5 s fetch wait on an idle topic: priming the
 * supervisor's topics and their `.retry` topics that way took 40–50 s of every supervisor suite's start.
 */
export async function primeGroupAtEnd(brokers: readonly string[], groupId: string, topics: readonly string[], timeoutMs = 15_000): Promise<void> {
  const kafka = new Kafka({ clientId: 'test-prime-group', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ topic: string; partition: number; offset: string }>;
  try {
    ends = (await Promise.all(topics.map(async (topic) =>
      (await topicEndOffsets(admin, topic, timeoutMs)).map((o) => ({ topic, partition: o.partition, offset: o.high }))))).flat();
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    // Never resolves a batch, so nothing it fetches is committed but the offsets below.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`group ${groupId} did not join within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
    });
    try {
      await Promise.race([join, timeout]);
    } finally {
      clearTimeout(timer);
    }
    await consumer.commitOffsets(ends);
  } finally {
    await consumer.disconnect();
  }
}

/**
 * A topic's partitions and their end offsets, retried for up to `timeoutMs`: right after a topic is created (or the
 * broker started) the broker may briefly answer "not the leader" or not know the topic yet.
 */
export async function topicEndOffsets(admin: Admin, topic: string, timeoutMs = 15_000): Promise<Array<{ partition: number; high: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`offsets of ${topic} not readable within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
