// What an idle Kafka client costs: an admin client, a producer and a running consumer, connected to the test broker
// and left alone, with the installed kafkajs (patches/kafkajs+2.2.4.patch applied) and then with kafkajs's own
// request-queue method put back (support/kafkajs-upstream.js) as the same-run baseline. Printed: CPU of this process per
// second and setTimeout calls per second, each the median of BENCH_IDLE_ROUNDS (default 3) alternating blocks.
// Run: npm run bench:kafka-idle (needs scripts/infra up)
import { Kafka, logLevel } from 'kafkajs';
import { TEST_KAFKA_BROKERS } from '../support/env';
import { topicEndOffsets } from '../support/prime-group';
import { alternate, info, printFigures, type Figure } from './support/figures';
import { median, positive } from './support/release-runner';

/* eslint-disable @typescript-eslint/no-require-imports */
type Scheduler = (this: unknown) => void;
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { scheduleCheckPendingRequests: Scheduler } };

const SECONDS = positive('BENCH_IDLE_SECONDS', 8);
const ROUNDS = positive('BENCH_IDLE_ROUNDS', 3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects the three clients, waits for them to settle, then measures an idle window. */
async function idleBlock(topic: string): Promise<{ cpuMsPerSecond: number; timersPerSecond: number }> {
  const kafka = new Kafka({ clientId: 'bench-idle', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-idle-${Date.now().toString(36)}` });
  await admin.connect();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({ eachMessage: async () => {} });
  await producer.send({ topic, messages: [{ value: 'x' }] });
  await sleep(5_000);
  const counted = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => { timers++; return counted(...args); }) as typeof setTimeout;
  const cpu = process.cpuUsage();
  const started = Date.now();
  await sleep(SECONDS * 1000);
  const used = process.cpuUsage(cpu);
  const seconds = (Date.now() - started) / 1000;
  globalThis.setTimeout = counted;
  await consumer.disconnect();
  await producer.disconnect();
  await admin.disconnect();
  return { cpuMsPerSecond: (used.user + used.system) / 1000 / seconds, timersPerSecond: timers / seconds };
}

export async function run(): Promise<Figure[]> {
  const topic = `bench-idle-${Date.now().toString(36)}`;
  const admin = new Kafka({ clientId: 'bench-idle', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  // A broker started a moment ago may not yet serve the new topic's partitions to other clients (seen: the first
  // block's send failed with UNKNOWN_TOPIC_OR_PARTITION): wait until its offsets can be read.
  await topicEndOffsets(admin, topic, 30_000);
  await admin.disconnect();
  const installed = RequestQueue.prototype.scheduleCheckPendingRequests;
  const patched = installed.toString().includes('Switchboard patch');
  const upstream = (() => {
    require('./support/kafkajs-upstream.js');
    const method = RequestQueue.prototype.scheduleCheckPendingRequests;
    RequestQueue.prototype.scheduleCheckPendingRequests = installed;
    return method;
  })();
  const using = (method: Scheduler) => () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = method;
    return idleBlock(topic);
  };
  // Alternating blocks (which goes first alternates too), so drift in the machine's speed lands on both.
  const ab = await alternate(ROUNDS, 1, using(upstream), using(installed));
  RequestQueue.prototype.scheduleCheckPendingRequests = installed;
  const results = { installed: ab.system, upstream: ab.baseline };
  return [
    info(`installed kafkajs ${patched ? 'is patched (patches/kafkajs+2.2.4.patch)' : 'is NOT patched: run npm install'}; ${ROUNDS} rounds of ${SECONDS} s idle each`, NaN, ''),
    info('installed: CPU of this process while idle', median(results.installed.map((r) => r.cpuMsPerSecond)), 'ms/s'),
    info('installed: setTimeout calls while idle', median(results.installed.map((r) => r.timersPerSecond)), '/s'),
    info('kafkajs 2.2.4 as published (baseline): CPU while idle', median(results.upstream.map((r) => r.cpuMsPerSecond)), 'ms/s'),
    info('kafkajs 2.2.4 as published (baseline): setTimeout calls while idle', median(results.upstream.map((r) => r.timersPerSecond)), '/s'),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures(`idle Kafka clients (admin, producer, running consumer) on ${process.version}`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
