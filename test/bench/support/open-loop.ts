// The open-loop driver of the throughput benchmarks: tickets are published at a fixed rate whatever the pipeline's
// progress, for a fixed time, then it waits until every case has its outcome or progress stalls (the rest are lost).
// Latency is ticket publish → the case's message on tickets.outcomes; CPU per case is read per process from /proc.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Pool } from 'pg';
import { TOPICS } from '@switchboard/contracts';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../../support/env';
import type { World } from '../../scenarios/support/world';
import { ProcessCpu } from './proc-cpu';

/** After the last send, waiting ends when every case has its outcome or none arrived for this long (the rest are lost). */
export const STALL_MS = 30_000;

/** What one phase measured. */
export interface PhaseResult {
  total: number;
  sendSeconds: number;
  /** Outcomes that arrived while tickets were still being sent. */
  inWindow: number;
  elapsed: number;
  done: number;
  lost: number;
  latencies: number[];
  /** Each completed case's send time (ms, this process's clock) and latency, in the order they were sent. */
  bySendTime: Array<readonly [number, number]>;
  /** CPU of this process per completed case, ms. */
  cpuPerCase: number;
  /** CPU per completed case of each process group, ms. */
  byProcess: ReadonlyArray<readonly [string, number]>;
  commitsPerCase: number;
  /**
   * The longest event-loop delay over the phase, ms (a 10 ms timer's lateness, the 10 ms included): the benchmark
   * process's own, and the supervisor process's when it runs as one (its /metrics, `NaN` if it could not be read). A
   * blocked event loop in either shows here; a backlog, or a slowdown outside the two (the broker, Postgres, the
   * machine), does not.
   */
  loopDelayMaxMs: ReadonlyArray<readonly [string, number]>;
}

/** CPU per completed case of every process together (the sum of `byProcess`), ms. */
export function cpuAllProcesses(r: PhaseResult): number {
  return r.byProcess.reduce((a, [, ms]) => a + ms, 0);
}

/**
 * How a phase's slow cases (latency over `thresholdMs`) lie in time: how many, and the longest run of them sent one
 * after another with no faster case between. A stall of one process (a pause, a blocked event loop) slows the few
 * cases in flight during it: short runs. A backlog, the pipeline taking less than the offered rate for a while, slows
 * every case sent meanwhile: a run as long as the backlog lasts.
 *
 * @example
 * slowRuns(r, 250); // { over: 75, longest: 70, longestSeconds: 2.4 }
 */
export function slowRuns(r: Pick<PhaseResult, 'bySendTime'>, thresholdMs: number): { over: number; longest: number; longestSeconds: number } {
  let over = 0, run = 0, runStart = 0, longest = 0, longestSeconds = 0;
  for (const [sentAt, latency] of r.bySendTime) {
    if (latency <= thresholdMs) {
      run = 0;
      continue;
    }
    over++;
    if (run++ === 0) runStart = sentAt;
    if (run > longest) [longest, longestSeconds] = [run, (sentAt - runStart) / 1000];
  }
  return { over, longest, longestSeconds };
}

/** A supervisor process's metrics endpoint: its base URL and its SUPERVISOR_METRICS_KEY. */
export interface SupervisorMetrics {
  url: string;
  metricsKey: string;
}

async function commits(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

/**
 * Disconnects the World's grading observer (its consumer of replies, outcomes and notes, which the scenarios grade by):
 * the open loop reads outcomes with its own consumer and grades nothing. Left running, the observer was the bench's, not
 * the pipeline's, yet its requests were charged to the cases as broker CPU: in Kafka's request log at 30 cases/s it
 * sent 1.8 offset commits (kafkajs commits after every message it is given) and 0.8 fetches per case, about one
 * request in seven (docs/evaluation.md, "The broker's requests per case"). Every release's World keeps it in a private
 * field `observer`, this one's and the previous release's that release-run.ts loads alike, so both are measured without
 * it. BENCH_WORLD_OBSERVER=1 keeps it running (the measurement before 2026-12-07 evening), as a baseline.
 */
async function stopGradingObserver(world: World): Promise<void> {
  const { observer } = world as unknown as { observer?: { disconnect(): Promise<void> } };
  if (!observer) throw new Error('the World has no grading observer to stop (BENCH_WORLD_OBSERVER=1 keeps it running)');
  await observer.disconnect();
}

/**
 * Drives one World open-loop: the how-to question of the overhead benchmark (every agent hop, a verified reply).
 *
 * @example
 * const loop = await OpenLoop.start(world, 'tp', { 'supervisor process': world.stack.supervisorPid });
 * const r = await loop.phase(100, 60, []);
 * await loop.stop();
 */
export class OpenLoop {
  private readonly sentAt = new Map<string, number>();
  /** Completed cases of the phase: send time and latency. */
  private readonly completed: Array<readonly [number, number]> = [];
  /** Per partition of the outcomes topic, the next offset to commit; committed by {@link commitHandled}. */
  private readonly handled = new Map<number, string>();
  private commitTimer?: NodeJS.Timeout;

  private constructor(
    private readonly world: World,
    private readonly tag: string,
    private readonly outcomes: Consumer,
    readonly stats: Pool,
    private readonly procs: ProcessCpu,
    private readonly supervisor?: SupervisorMetrics,
  ) {}

  /**
   * `supervisor`: where the supervisor process serves its metrics and their key, to read its event-loop delay. Given by
   * the caller: this file is also loaded beside a previous release's stack (release-run.ts), so it imports no part of
   * this checkout's stack.
   */
  static async start(world: World, tag: string, processes: Record<string, number | undefined>, supervisor?: SupervisorMetrics): Promise<OpenLoop> {
    if (process.env.BENCH_WORLD_OBSERVER !== '1') await stopGradingObserver(world);
    const outcomes = new Kafka({ clientId: `bench-${tag}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING })
      .consumer({ groupId: `bench-${tag}-${Date.now().toString(36)}`, maxWaitTimeInMs: 100 });
    const loop = new OpenLoop(world, tag, outcomes, new Pool({ connectionString: TEST_DATABASE_URL, max: 1 }), new ProcessCpu(processes), supervisor);
    await outcomes.connect();
    await outcomes.subscribe({ topic: TOPICS.ticketsOutcomes, fromBeginning: false });
    // The measuring consumer commits its offsets once a second, itself: kafkajs's auto-commit commits after every batch
    // whatever its interval, which here was an offset commit per case, charged by the bench to the cases' broker CPU.
    // It still commits, so that after a rebalance it resumes where it was (a repeated outcome is ignored below)
    // rather than at the end of the topic, missing outcomes.
    loop.commitTimer = setInterval(() => void loop.commitHandled(), 1_000);
    await outcomes.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        loop.handled.set(partition, (BigInt(message.offset) + 1n).toString());
        const t0 = loop.sentAt.get(message.key!.toString());
        if (t0 === undefined) return;
        loop.completed.push([t0, performance.now() - t0]);
        loop.sentAt.delete(message.key!.toString());
      },
    });
    return loop;
  }

  async publishOne(n: number, into?: string[]): Promise<void> {
    const ticket = this.world.ticket({ tenantId: 'globex', region: 'us-east-1', subject: 'Inviting people', body: `How do I invite a new member to our workspace? (#${n})` }, this.tag);
    this.sentAt.set(this.world.caseIdOf(ticket), performance.now());
    into?.push(this.world.caseIdOf(ticket));
    await this.world.stack.publish(ticket);
  }

  /** A few cases through every hop before measuring (connections, JIT, consumer assignment). */
  async warmUp(cases = 5): Promise<void> {
    for (let i = 0; i < cases; i++) await this.publishOne(-1 - i);
    while (this.sentAt.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  /** Publishes at `rate` for `seconds` whatever the progress, then waits until every case is done or progress stalls. */
  async phase(rate: number, seconds: number, measured: string[]): Promise<PhaseResult> {
    this.completed.length = 0;
    const total = Math.round(rate * seconds);
    // Read before anything is counted (its first read also runs the supervisor's KPI queries): it resets the
    // supervisor's histogram, so the read after the phase is the phase's.
    await this.supervisorLoopDelayMaxMs();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const commits0 = await commits(this.stats);
    const cpu0 = process.cpuUsage();
    const procs0 = this.procs.snapshot();
    const t0 = performance.now();
    const pending: Array<Promise<void>> = [];
    let publishErrors = 0;
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(this.publishOne(i, measured).catch(() => { publishErrors++; }));
    }
    await Promise.all(pending);
    const sendSeconds = (performance.now() - t0) / 1000;
    const inWindow = this.completed.length;
    let lastProgress = performance.now(), seen = this.completed.length;
    while (this.sentAt.size > 0 && performance.now() - lastProgress < STALL_MS) {
      await new Promise((r) => setTimeout(r, 100));
      if (this.completed.length !== seen) [seen, lastProgress] = [this.completed.length, performance.now()];
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const byProcess = ProcessCpu.delta(procs0, this.procs.snapshot());
    const done = this.completed.length;
    this.sentAt.clear(); // anything left is counted as lost below and must not leak into the next phase
    const commitsPerCase = ((await commits(this.stats)) - commits0) / Math.max(done, 1);
    loopDelay.disable();
    const loopDelayMaxMs: Array<readonly [string, number]> = [['benchmark process', loopDelay.max / 1e6]];
    if (this.supervisor) loopDelayMaxMs.push(['supervisor process', await this.supervisorLoopDelayMaxMs()]);
    return {
      total, sendSeconds, inWindow, elapsed, done, lost: total - done + publishErrors, latencies: this.completed.map(([, latency]) => latency),
      bySendTime: [...this.completed].sort((a, b) => a[0] - b[0]),
      cpuPerCase: (cpu.user + cpu.system) / 1000 / Math.max(done, 1), byProcess: byProcess.map(([name, ms]) => [name, ms / Math.max(done, 1)] as const),
      commitsPerCase, loopDelayMaxMs,
    };
  }

  /** The supervisor process's longest event-loop delay since its metrics were last read (prom-client's default metric), ms. */
  private async supervisorLoopDelayMaxMs(): Promise<number> {
    if (!this.supervisor) return NaN;
    try {
      const res = await fetch(`${this.supervisor.url}/metrics`, { headers: { authorization: `Bearer ${this.supervisor.metricsKey}` }, signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      const found = /^switchboard_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(body);
      return res.ok && found ? Number(found[1]) * 1000 : NaN;
    } catch {
      return NaN;
    }
  }

  private async commitHandled(): Promise<void> {
    if (this.handled.size === 0) return;
    const offsets = [...this.handled].map(([partition, offset]) => ({ topic: TOPICS.ticketsOutcomes, partition, offset }));
    this.handled.clear();
    // A failed commit (a rebalance under way) only means outcomes read again after it, which are ignored.
    await this.outcomes.commitOffsets(offsets).catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.commitTimer);
    await this.outcomes.disconnect().catch(() => undefined);
    await this.stats.end();
  }
}
