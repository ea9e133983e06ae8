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
import { tokensPerCase } from './pipeline-overhead.bench';
import { atLeast, atMost, info, keyed, percentile, printFigures, type Figure } from './support/figures';

/** After the last send, waiting ends when every case has its outcome or none arrived for this long (the rest are lost). */
const STALL_MS = 30_000;
/** Kafka records one case produces: ticket, 4 tasks, 4 results, outcome, reply. */
const RECORDS_PER_CASE = 11;

async function commits(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

/** Payload bytes stored per case, measured like the peer's (octet_length of the JSON text). */
async function storedBytes(pool: Pool, caseIds: string[]): Promise<{ checkpoints: number; all: number }> {
  const { rows } = await pool.query<{ checkpoints: number; all: number }>(
    `WITH ids AS (SELECT unnest($1::text[]) AS case_id),
          c AS (SELECT sum(octet_length(delta::text)) AS b FROM supervisor.checkpoints WHERE case_id IN (SELECT case_id FROM ids)),
          s AS (SELECT sum(octet_length(state::text) + octet_length(ticket::text) + octet_length(context::text)) AS b FROM supervisor.cases WHERE case_id IN (SELECT case_id FROM ids)),
          t AS (SELECT sum(octet_length(data::text)) AS b FROM supervisor.trace WHERE case_id IN (SELECT case_id FROM ids)),
          r AS (SELECT sum(octet_length(reason) + octet_length(from_status) + octet_length(to_status)) AS b FROM supervisor.transitions WHERE case_id IN (SELECT case_id FROM ids))
     SELECT (c.b / n)::float8 AS checkpoints, ((c.b + s.b + t.b + r.b) / n)::float8 AS all
       FROM c, s, t, r, (SELECT greatest(count(*), 1) AS n FROM ids) k`,
    [caseIds],
  );
  return rows[0]!;
}

export async function run(): Promise<Figure[]> {
  // Read at run time: run-all sets the 5-minute default after this module was loaded.
  const RATE = Number(process.env.BENCH_RATE ?? 100);
  const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
  const world = await World.start(`bench-throughput-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'));
  const stats = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const sentAt = new Map<string, number>();
  const measured: string[] = [];
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
      if (n >= 0) measured.push(world.caseIdOf(ticket));
      await world.stack.publish(ticket);
    };
    for (let i = 0; i < 5; i++) await publishOne(-1 - i); // warm-up (negative numbers: not measured)
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
    const inWindow = latencies.length;
    let lastProgress = performance.now(), seen = latencies.length;
    while (sentAt.size > 0 && performance.now() - lastProgress < STALL_MS) {
      await new Promise((r) => setTimeout(r, 100));
      if (latencies.length !== seen) [seen, lastProgress] = [latencies.length, performance.now()];
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const done = latencies.length;
    const commitsPerCase = ((await commits(stats)) - commits0) / Math.max(done, 1);
    const bytes = await storedBytes(stats, measured);
    return [
      info('offered rate', total / sendSeconds, 'cases/s'),
      keyed('throughput', atLeast('completed throughput (cases / time to last outcome)', done / elapsed, 'cases/s', 100)),
      info('completed during the sending window', inWindow / sendSeconds, 'cases/s'),
      info('time from the last send to the last outcome', elapsed - sendSeconds, 's'),
      info('p50 latency, ticket → outcome', percentile(latencies, 50), 'ms'),
      atMost('p99 latency, ticket → outcome', percentile(latencies, 99), 'ms', 250),
      atMost(`lost (no outcome, after ${STALL_MS / 1000} s without progress)`, total - done + publishErrors, 'cases', 0),
      info('CPU of the pipeline process per case (every service runs in it)', ((cpu.user + cpu.system) / 1000) / Math.max(done, 1), 'ms'),
      keyed('commits', info('Postgres commits per case (whole database)', commitsPerCase, 'commits')),
      keyed('checkpointBytes', info('checkpoint bytes per case (supervisor.checkpoints deltas)', bytes.checkpoints, 'B')),
      keyed('storedBytes', info('bytes per case in all case tables (state, ticket, context, checkpoints, transitions, trace)', bytes.all, 'B')),
      info('model tokens per case (scripted model)', await tokensPerCase(world, measured.slice(0, 2000)), 'tokens'),
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
  run().then((f) => { printFigures(`sustained throughput, open loop at ${process.env.BENCH_RATE ?? 100} cases/s for ${process.env.BENCH_SECONDS ?? 60} s`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
