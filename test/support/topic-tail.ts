import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { TEST_KAFKA_BROKERS } from './env';
import { primeGroupAtEnd } from './prime-group';

/**
 * Reads what lands on shared topics from now on, with a throwaway consumer group. The group's offsets are committed at
 * each partition's current end before it joins, so it never re-reads the records earlier suites left on the topic (a
 * full CI run leaves thousands on tickets.ingress: reading them from the beginning took longer than a test waits) and
 * never misses one published after `tailTopics` returns (it resolves once the member fetches).
 */
export async function tailTopics(
  clientId: string,
  topics: string[],
  onMessage: (topic: string, message: KafkaMessage) => void,
  options: { groupId?: string; joinTimeoutMs?: number } = {},
): Promise<Consumer> {
  const kafka = new Kafka({ clientId, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const groupId = options.groupId ?? `${clientId}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
  await primeGroupAtEnd(TEST_KAFKA_BROKERS, groupId, topics);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  let fetching!: () => void;
  const ready = new Promise<void>((resolve) => (fetching = resolve));
  consumer.on(consumer.events.FETCH_START, () => fetching());
  await consumer.run({ partitionsConsumedConcurrently: 6, eachMessage: async ({ topic, message }) => onMessage(topic, message) });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the ${clientId} consumer did not join its group within ${joinTimeoutMs} ms`)), joinTimeoutMs))),
    ]);
  } catch (error) {
    await consumer.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return consumer;
}
