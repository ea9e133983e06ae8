// Pipeline overhead per case through every hop, one case in flight, with a zero-latency scripted model, against the
// floor R: a plain kafkajs relay over the same number of Kafka hops on the same broker. Baseline and system alternate
// in blocks so machine noise lands on both. The case is a how-to question that the pipeline answers and verifies:
// ticket → supervisor → triage → supervisor → retrieval → supervisor → resolver → supervisor → verifier → supervisor →
// outcome, i.e. 10 Kafka hops; each supervisor hop is a Postgres transaction (ledger, lock, state + checkpoint, outbox)
// and a relay from the outbox. The answer needs no tool, so no agent calls the gateway (its cost per call is
// gateway-overhead.bench.ts).
// The per-hop breakdown comes from a separate pass afterwards (BENCH_BREAKDOWN_CASES, default 20; 0 skips it): its observer consumes
// every topic in this process, beside the agents, and slows the cases it watches, so it is kept out of the measured
// blocks. Its cost is printed beside its same-run baseline: BENCH_BLOCKS rounds of a block of BENCH_PER_BLOCK cases
// with the observer paused and one with it fetching, alternated like the floor (figures.ts `alternate`).
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/pipeline-overhead.bench.ts
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { TOPICS } from '@switchboard/contracts';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { TEST_KAFKA_BROKERS } from '../support/env';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { World } from '../scenarios/support/world';
import { policyYaml } from '../scenarios/support/scenario';
import { alternate, atMost, info, keyed, percentile, printFigures, type Figure } from './support/figures';

export const HOPS = 10;
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 6);
const PER_BLOCK = Number(process.env.BENCH_PER_BLOCK ?? 15);
const BREAKDOWN_CASES = Number(process.env.BENCH_BREAKDOWN_CASES ?? 20);
if (!Number.isInteger(BREAKDOWN_CASES) || BREAKDOWN_CASES < 0) throw new Error(`BENCH_BREAKDOWN_CASES must be a whole number of cases (0 skips the breakdown pass), got ${process.env.BENCH_BREAKDOWN_CASES}`);

/** The floor: HOPS consumers in a chain, each forwarding what it reads to the next topic, plus a producer at the head. */
class KafkaRelay {
  private readonly kafka = new Kafka({ clientId: 'bench-relay', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  private readonly consumers: Consumer[] = [];
  private producer!: Producer;
  private readonly waiting = new Map<string, () => void>();
  private readonly run = Date.now().toString(36);
  private readonly topic = (i: number) => `bench.relay.${this.run}.${i}`;

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: Array.from({ length: HOPS + 1 }, (_, i) => ({ topic: this.topic(i), numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    await admin.disconnect();
    // Same producer semantics as the bus (acks = all) and the same fetch wait as BUS_FETCH_MAX_WAIT_MS.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    for (let i = 0; i <= HOPS; i++) {
      const consumer = this.kafka.consumer({ groupId: `bench-relay-${this.run}-${i}`, maxWaitTimeInMs: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic(i), fromBeginning: true });
      const last = i === HOPS;
      await consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key!.toString();
          if (last) this.waiting.get(key)?.();
          else await this.producer.send({ topic: this.topic(i + 1), acks: -1, messages: [{ key, value: message.value }] });
        },
      });
      this.consumers.push(consumer);
    }
    await this.once(); // warm: every consumer has joined and fetched
  }

  /** Milliseconds from producing at the head to consuming at the tail. */
  async once(): Promise<number> {
    const key = `k${Math.random().toString(36).slice(2)}`;
    const done = new Promise<void>((resolve) => this.waiting.set(key, resolve));
    const t0 = performance.now();
    await this.producer.send({ topic: this.topic(0), acks: -1, messages: [{ key, value: JSON.stringify({ id: key, payload: 'x'.repeat(600) }) }] });
    await done;
    this.waiting.delete(key);
    return performance.now() - t0;
  }

  async stop(): Promise<void> {
    for (const c of this.consumers) await c.disconnect();
    await this.producer.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Array.from({ length: HOPS + 1 }, (_, i) => this.topic(i)) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Milliseconds from publishing a ticket to seeing its outcome on tickets.outcomes. */
async function pipelineCase(world: World, waiting: Map<string, () => void>, measured?: string[]): Promise<number> {
  const ticket = world.ticket({ tenantId: 'globex', region: 'us-east-1', subject: 'Inviting people', body: 'How do I invite a new member to our workspace?' }, 'bench');
  const caseId = world.caseIdOf(ticket);
  measured?.push(caseId);
  const done = new Promise<void>((resolve) => waiting.set(caseId, resolve));
  const t0 = performance.now();
  await world.stack.publish(ticket);
  await done;
  waiting.delete(caseId);
  return performance.now() - t0;
}

/**
 * Per-hop breakdown from the Kafka record timestamps (producer clock, 1 ms resolution) of one case's records, in
 * pipeline order: a supervisor hop runs from an agent result (or the ticket) to the next task (ledger + transition +
 * outbox + relay); an agent hop runs from its task to its result (fetch, agent work, produce).
 */
const HOP_ORDER: Array<[string, string]> = [
  ['ticket', 'task:triage'], ['task:triage', 'result:triage'], ['result:triage', 'task:retrieval'], ['task:retrieval', 'result:retrieval'],
  ['result:retrieval', 'task:resolver'], ['task:resolver', 'result:resolver'], ['result:resolver', 'task:verifier'], ['task:verifier', 'result:verifier'],
  ['result:verifier', 'outcome'],
];

function hopName([from, to]: [string, string]): string {
  if (from === 'ticket' || from.startsWith('result:')) return `supervisor (${from} → ${to})`;
  return `${from.slice(5)} agent (task → result)`;
}

const OBSERVED_TOPICS = [TOPICS.ticketsIngress, TOPICS.triageTasks, TOPICS.retrievalTasks, TOPICS.resolverTasks, TOPICS.verifierTasks, TOPICS.agentResults, TOPICS.ticketsOutcomes];

class HopObserver {
  readonly seen = new Map<string, Map<string, number>>();
  private readonly consumer = new Kafka({ clientId: 'bench-hops', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING })
    .consumer({ groupId: `bench-hops-${Date.now().toString(36)}`, maxWaitTimeInMs: 100 });

  /** Resolves once the observer's group has its partitions (a case published before that is not seen whole). */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...OBSERVED_TOPICS], fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const caseId = message.key?.toString();
        if (!caseId) return;
        let name: string;
        if (topic === TOPICS.ticketsIngress) name = 'ticket';
        else if (topic === TOPICS.ticketsOutcomes) name = 'outcome';
        else if (topic === TOPICS.agentResults) name = `result:${(JSON.parse(message.value!.toString()) as { payload: { agent: string } }).payload.agent}`;
        else name = `task:${topic.split('.')[1]}`;
        const marks = this.seen.get(caseId) ?? new Map<string, number>();
        if (!marks.has(name)) marks.set(name, Number(message.timestamp));
        this.seen.set(caseId, marks);
      },
    });
    await joined;
  }

  figures(caseIds: string[]): Figure[] {
    return HOP_ORDER.map((hop) => {
      const gaps = caseIds.flatMap((id) => {
        const m = this.seen.get(id);
        const a = m?.get(hop[0]), b = m?.get(hop[1]);
        return a === undefined || b === undefined ? [] : [b - a];
      });
      return info(`    hop ${hopName(hop)}, p50 (${gaps.length} cases)`, percentile(gaps, 50), 'ms');
    });
  }

  /** Stops (true) or resumes (false) fetching; on resume it reads what it missed, which the caller lets settle. */
  pause(paused: boolean): void {
    const topics = OBSERVED_TOPICS.map((topic) => ({ topic }));
    if (paused) this.consumer.pause(topics);
    else this.consumer.resume(topics);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/** Average of the supervisor's token counter over `caseIds` (what the agents reported as model usage). */
export async function tokensPerCase(world: World, caseIds: string[]): Promise<number> {
  const { rows } = await world.stack.db.query<{ t: number }>(
    "SELECT avg((state->'counters'->>'tokens')::numeric)::float8 AS t FROM supervisor.cases WHERE case_id = ANY($1)", [caseIds]);
  return rows[0]?.t ?? NaN;
}

export async function run(): Promise<Figure[]> {
  const world = await World.start(`bench-overhead-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'));
  const waiting = new Map<string, () => void>();
  const kafka = new Kafka({ clientId: 'bench-outcomes', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const outcomes = kafka.consumer({ groupId: `bench-outcomes-${Date.now().toString(36)}`, maxWaitTimeInMs: 500 });
  await outcomes.connect();
  await outcomes.subscribe({ topic: TOPICS.ticketsOutcomes, fromBeginning: false });
  await outcomes.run({ eachMessage: async ({ message }) => { waiting.get(message.key!.toString())?.(); } });
  const relay = new KafkaRelay();
  const hops = new HopObserver();
  const measured: string[] = [];
  const observed: string[] = [];
  try {
    await relay.start();
    for (let i = 0; i < 5; i++) await pipelineCase(world, waiting); // warm-up: JIT, pools, group joins
    const samples = await alternate(BLOCKS, PER_BLOCK, () => relay.once(), () => pipelineCase(world, waiting, measured));
    const r50 = percentile(samples.baseline, 50), r99 = percentile(samples.baseline, 99);
    const s50 = percentile(samples.system, 50), s99 = percentile(samples.system, 99);
    const figures = [
      info(`floor R: kafkajs relay, ${HOPS} hops, p50`, r50, 'ms'),
      info(`floor R: kafkajs relay, ${HOPS} hops, p99`, r99, 'ms'),
      keyed('pipeline.p50', info('pipeline per case (zero-latency model), p50', s50, 'ms')),
      keyed('pipeline.p99', info('pipeline per case (zero-latency model), p99', s99, 'ms')),
      atMost('pipeline p50 / R p50', s50 / r50, '×', 2),
      atMost('pipeline p99 / R p99', s99 / r99, '×', 2),
      atMost('added per hop, p50 ((system − R) / hops)', (s50 - r50) / HOPS, 'ms', 1),
      info('samples per side', samples.system.length, 'cases'),
      keyed('tokens.scripted', info('model tokens per case (scripted model: triage + resolver calls)', await tokensPerCase(world, measured), 'tokens')),
    ];
    if (BREAKDOWN_CASES === 0) return [...figures, info('per-hop breakdown: not run (BENCH_BREAKDOWN_CASES=0)', NaN, '')];
    // The breakdown pass: the observer joins now, two cases let its first fetches settle, then the observed cases.
    await hops.start();
    for (let i = 0; i < 2; i++) await pipelineCase(world, waiting);
    for (let i = 0; i < BREAKDOWN_CASES; i++) await pipelineCase(world, waiting, observed);
    // The observer's cost against its same-run baseline: blocks with it paused and fetching, as the floor alternates.
    let watching = true;
    const caseWith = async (watch: boolean) => {
      if (watch !== watching) {
        hops.pause(!watch);
        watching = watch;
        await new Promise((resolve) => setTimeout(resolve, 300)); // a resumed observer catches up first
      }
      return pipelineCase(world, waiting);
    };
    const observerCost = await alternate(BLOCKS, PER_BLOCK, () => caseWith(false), () => caseWith(true));
    return [
      ...figures,
      info(`per-hop breakdown, a later pass of ${observed.length} cases watched by an observer of every topic:`, NaN, ''),
      info(`  its cost, alternate blocks of ${PER_BLOCK}: pipeline p50 unwatched`, percentile(observerCost.baseline, 50), 'ms'),
      info('    and watched', percentile(observerCost.system, 50), 'ms'),
      info('  hops from Kafka record timestamps (1 ms resolution):', NaN, ''),
      ...hops.figures(observed),
    ];
  } finally {
    await relay.stop().catch(() => undefined);
    await hops.stop().catch(() => undefined);
    await outcomes.disconnect().catch(() => undefined);
    await world.close();
  }
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures('pipeline overhead (one case in flight)', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
