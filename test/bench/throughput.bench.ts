// Sustained throughput, open loop: tickets are published at a fixed rate whatever the pipeline's progress, for a fixed
// time, and every case must reach its outcome (nothing lost). The case is the how-to question of the overhead
// benchmark (every agent hop, verified reply, zero-latency scripted model). Alongside latency it reports what each case
// costs: CPU of this process (the whole pipeline runs in it), Postgres commits, and Kafka records per case.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/throughput.bench.ts
//   BENCH_RATE (cases/s, default 100), BENCH_SECONDS (default 60; the target is stated for 300)
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { TOPICS } from '@switchboard/contracts';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../support/env';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { World } from '../scenarios/support/world';
import { policyYaml } from '../scenarios/support/scenario';
import { atLeast, atMost, info, percentile, printFigures, type Figure } from './support/figures';

const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const DRAIN_MS = 60_000;
/** Kafka records one case produces: ticket, 4 tasks, 4 results, outcome, reply. */
const RECORDS_PER_CASE = 11;

async function commits(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

export async function run(): Promise<Figure[]> {
  const world = await World.start(`bench-throughput-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'));
  const stats = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const outcomes = new Kafka({ clientId: 'bench-throughput', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING })
    .consumer({ groupId: `bench-throughput-${Date.now().toString(36)}`, maxWaitTimeInMs: 100 });
  await outcomes.connect();
  await outcomes.subscribe({ topic: TOPICS.ticketsOutcomes, fromBeginning: false });
  await outcomes.run({
    eachMessage: async ({ message }) => {
      const t0 = sentAt.get(message.key!.toString());
      if (t0 === undefined) return;
      latencies.push(performance.now() - t0);
      sentAt.delete(message.key!.toString());
    },
  });
  try {
    const publishOne = async (n: number) => {
      const ticket = world.ticket({ tenantId: 'globex', region: 'us-east-1', subject: 'Inviting people', body: `How do I invite a new member to our workspace? (#${n})` }, 'tp');
      sentAt.set(world.caseIdOf(ticket), performance.now());
      await world.stack.publish(ticket);
    };
    for (let i = 0; i < 5; i++) await publishOne(-i); // warm-up
    while (sentAt.size > 0) await new Promise((r) => setTimeout(r, 50));
    latencies.length = 0;

    const total = Math.round(RATE * SECONDS);
    const commits0 = await commits(stats);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const pending: Array<Promise<void>> = [];
    let publishErrors = 0;
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(publishOne(i).catch(() => { publishErrors++; }));
    }
    await Promise.all(pending);
    const sendSeconds = (performance.now() - t0) / 1000;
    const deadline = performance.now() + DRAIN_MS;
    while (sentAt.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const done = latencies.length;
    const commitsPerCase = ((await commits(stats)) - commits0) / Math.max(done, 1);
    return [
      info('offered rate', total / sendSeconds, 'cases/s'),
      atLeast('completed throughput (cases / time to last outcome)', done / elapsed, 'cases/s', 100),
      info('p50 latency, ticket → outcome', percentile(latencies, 50), 'ms'),
      atMost('p99 latency, ticket → outcome', percentile(latencies, 99), 'ms', 250),
      atMost('lost (no outcome within 60 s of the last send)', total - done + publishErrors, 'cases', 0),
      info('CPU of the pipeline process per case', ((cpu.user + cpu.system) / 1000) / Math.max(done, 1), 'ms'),
      info('Postgres commits per case (whole database)', commitsPerCase, 'commits'),
      info('Kafka records per case', RECORDS_PER_CASE, 'records'),
      info('duration', SECONDS, 's'),
    ];
  } finally {
    await outcomes.disconnect().catch(() => undefined);
    await stats.end();
    await world.close();
  }
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures(`sustained throughput, open loop at ${RATE} cases/s for ${SECONDS} s`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
