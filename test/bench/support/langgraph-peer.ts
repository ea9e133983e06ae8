// The peer, side by side: the same five-step support flow (triage → retrieval → resolver → verifier → supervisor) as a
// LangGraph.js StateGraph checkpointed by @langchain/langgraph-checkpoint-postgres on the same Postgres, zero-latency
// nodes (no model) whose outputs have the shapes and sizes of the agent results in checkpoint.bench.ts. Measured: the
// latency of graph.invoke with one case in flight, closed-loop throughput, Postgres round trips and commits per case
// (counted on the instrumented pg Pool handed to the checkpointer), and the bytes and checkpoint rows stored per case.
//
// What LangGraph writes (PostgresSaver 1.0.x, durability "sync"): one getTuple read when the run starts (an autocommit
// SELECT), then per superstep one putWrites transaction (BEGIN, one upsert per channel write, COMMIT) for the node's
// writes and one put transaction (BEGIN, one upsert per changed channel blob, the checkpoint upsert, COMMIT); the
// input and the initial step are checkpoints of their own, so a five-node case leaves 7 rows in checkpoints.
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { Pool, type PoolClient } from 'pg';
import { percentile } from './figures';
import { ProcessCpu } from './proc-cpu';

export interface PeerFigures {
  latencyP50Ms: number;
  latencyP99Ms: number;
  casesPerSecond: number;
  commitsPerCase: number;
  roundTripsPerCase: number;
  checkpointBytesPerCase: number;
  checkpointsPerCase: number;
  /** CPU per case in the closed loop: this process (the graph and its pool) and every Postgres process. */
  cpuPerCaseMs: number;
  cases: number;
}

const SCHEMA = 'langgraph_bench';
const WARMUP = 5;

interface Ticket { externalId: string; tenantId: string; subject: string; body: string; receivedAt: string }

// Last-value channels (Annotation<T>() without a reducer is LastValue).
const SupportState = Annotation.Root({
  ticket: Annotation<Ticket>(),
  triage: Annotation<Record<string, unknown>>(),
  passages: Annotation<Array<Record<string, unknown>>>(),
  resolution: Annotation<Record<string, unknown>>(),
  verification: Annotation<Record<string, unknown>>(),
  outcome: Annotation<{ status: string; reply: string }>(),
});
type S = typeof SupportState.State;

const BODY = 'We were charged twice on invoice inv_globex_1001, please refund $40.';
const at = '2025-01-01T00:00:00.000Z';

function ticket(id: string): Ticket {
  return { externalId: id, tenantId: 'globex', subject: 'Charged twice', body: BODY, receivedAt: new Date().toISOString() };
}

// Zero-latency nodes with deterministic outputs of the sizes Switchboard's agents return (checkpoint.bench.ts nextEvent).
const triage = (_s: S) => ({
  triage: { intent: 'refund', priority: 'normal', confidence: 0.97, entities: { tenantId: 'globex', amounts: [40], ids: ['inv_globex_1001'] }, pii: { found: false, kinds: [] },
    injectionRisk: 'none', summary: 'charged twice, wants $40 back', redactedBody: BODY },
});
const retrieval = (_s: S) => ({
  passages: [
    { documentId: 'refunds.md', section: 'Duplicate charges', title: 'Refunds', text: 'Refund duplicate charges after checking the invoice.'.repeat(4), score: 0.8 },
    { documentId: 'billing.md', section: 'Invoices', title: 'Billing', text: 'Every invoice lists its charges; a duplicate shows the same amount twice.'.repeat(3), score: 0.71 },
    { documentId: 'policy.md', section: 'Refund limits', title: 'Refund policy', text: 'Agents may refund up to $100 without approval; above that, escalate.'.repeat(3), score: 0.64 },
  ],
});
const resolver = (s: S) => ({
  resolution: { decision: 'resolve', summary: 'duplicate charge confirmed on inv_globex_1001; refunded $40', draftReply: 'We refunded the duplicate $40 charge on invoice inv_globex_1001.',
    findings: ['invoice inv_globex_1001 has two identical $40 charges'],
    steps: [
      { at, kind: 'tool_call', tool: 'get_invoice', toolCallId: 'tc1', arguments: { tenantId: s.ticket.tenantId, invoiceId: 'inv_globex_1001' } },
      { at, kind: 'observation', tool: 'get_invoice', toolCallId: 'tc1', result: { invoiceId: 'inv_globex_1001', charges: [{ amount: 40, at }, { amount: 40, at }], status: 'paid' } },
      { at, kind: 'tool_call', tool: 'issue_refund', toolCallId: 'tc2', arguments: { tenantId: s.ticket.tenantId, invoiceId: 'inv_globex_1001', amount: 40, reason: 'dup' } },
      { at, kind: 'observation', tool: 'issue_refund', toolCallId: 'tc2', result: { refundId: 'rf_1001', amount: 40, status: 'issued' } },
    ],
    actions: [{ toolCallId: 'tc2', tool: 'issue_refund', arguments: { tenantId: s.ticket.tenantId, invoiceId: 'inv_globex_1001', amount: 40, reason: 'dup' }, executed: true,
      result: { refundId: 'rf_1001', amount: 40, status: 'issued' } }] },
});
const verifier = (_s: S) => ({
  verification: { verified: true, checks: [
    { name: 'refund_matches_duplicate', ok: true, detail: 'refund amount equals the duplicated charge' },
    { name: 'within_policy_limit', ok: true, detail: '$40 ≤ $100 autonomous limit' },
    { name: 'reply_grounded', ok: true, detail: 'reply cites refunds.md#Duplicate charges' },
  ] },
});
const supervisor = (s: S) => ({ outcome: { status: 'RESOLVED', reply: String(s.resolution.draftReply) } });

/** Round trips and transactions seen on a pool's clients. */
interface Counters { roundTrips: number; commits: number }

/**
 * Counts on every physical client the pool opens (its 'connect' event), so both pool.query (which checks out a client
 * internally) and clients from pool.connect() are counted once per query call. A transaction is an explicit COMMIT or a
 * statement run outside BEGIN..COMMIT (autocommit, read-only ones included, as pg_stat_database.xact_commit counts them).
 */
function instrument(pool: Pool, c: Counters): void {
  const open = new WeakMap<PoolClient, boolean>();
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const q = args[0];
      const text = (typeof q === 'string' ? q : (q as { text?: string } | undefined)?.text ?? '').trimStart().slice(0, 8).toUpperCase();
      c.roundTrips++;
      if (text.startsWith('BEGIN')) open.set(client, true);
      else if (text.startsWith('COMMIT')) { open.set(client, false); c.commits++; }
      else if (text.startsWith('ROLLBACK')) open.set(client, false);
      else if (!open.get(client)) c.commits++;
      return query(...args);
    };
  });
}

async function xactCommit(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

/** The flow compiled against a PostgresSaver on an instrumented pool of its own (one per phase, see below). */
function peer(databaseUrl: string, max: number) {
  const counters: Counters = { roundTrips: 0, commits: 0 };
  const pool = new Pool({ connectionString: databaseUrl, max });
  instrument(pool, counters);
  const checkpointer = new PostgresSaver(pool, undefined, { schema: SCHEMA });
  const graph = new StateGraph(SupportState)
    // Node names may not repeat a channel's name, hence the _agent suffix.
    .addNode('triage_agent', triage).addNode('retrieval_agent', retrieval).addNode('resolver_agent', resolver).addNode('verifier_agent', verifier).addNode('supervisor', supervisor)
    .addEdge(START, 'triage_agent').addEdge('triage_agent', 'retrieval_agent').addEdge('retrieval_agent', 'resolver_agent').addEdge('resolver_agent', 'verifier_agent')
    .addEdge('verifier_agent', 'supervisor').addEdge('supervisor', END)
    .compile({ checkpointer });
  const invoke = async (threadId: string): Promise<void> => {
    // durability 'sync': each step's checkpoint is written before the next step starts. The installed version's
    // default is 'async' (the write overlaps the next step); 'sync' is the guarantee comparable to Switchboard's commit
    // per transition.
    const out = await graph.invoke({ ticket: ticket(threadId) }, { configurable: { thread_id: threadId }, durability: 'sync' });
    if (out.outcome?.status !== 'RESOLVED') throw new Error(`case ${threadId} ended without an outcome`);
  };
  return { counters, pool, checkpointer, invoke };
}

/** Backends flush their statistics when they exit (otherwise up to 10 s after going idle): wait for that. */
const settle = () => new Promise((r) => setTimeout(r, 1500));

export async function runLanggraphPeer(opts: { databaseUrl: string; latencyCases?: number; throughputCases?: number; concurrency?: number }): Promise<PeerFigures> {
  const latencyCases = opts.latencyCases ?? 60;
  const throughputCases = opts.throughputCases ?? 400;
  const concurrency = opts.concurrency ?? 16;
  // Not instrumented: reads pg_stat_database and the stored bytes, drops the schema.
  const stats = new Pool({ connectionString: opts.databaseUrl, max: 1 });
  const run = Date.now().toString(36);
  const measured: string[] = [];
  const pools: Pool[] = [];
  try {
    await stats.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);

    // Latency: one case in flight, after a warm-up.
    const one = peer(opts.databaseUrl, 2);
    pools.push(one.pool);
    await one.checkpointer.setup();
    for (let i = 0; i < WARMUP; i++) await one.invoke(`warm_${run}_${i}`);
    const latency: number[] = [];
    for (let i = 0; i < latencyCases; i++) {
      const id = `lat_${run}_${i}`;
      const t0 = performance.now();
      await one.invoke(id);
      latency.push(performance.now() - t0);
      measured.push(id);
    }
    await one.pool.end();

    // Throughput: closed loop on a fresh pool, `concurrency` cases in flight, each worker starting its next case when
    // the last one ends. Commits and round trips are counted on this pool over this phase only. The pg_stat_database
    // xact_commit delta is database-wide (any other client's transactions land in it too), so only a cross-check.
    const many = peer(opts.databaseUrl, concurrency);
    pools.push(many.pool);
    await settle();
    const xact0 = await xactCommit(stats);
    // CPU over the loop only, read from /proc like the throughput bench's: this process and Postgres. The Kafka
    // broker is left out, since the peer does not use it (Switchboard's figure includes it).
    const procs = new ProcessCpu({});
    const cpu0 = procs.snapshot();
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < throughputCases) {
        const id = `tput_${run}_${next++}`;
        await many.invoke(id);
        measured.push(id);
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = ProcessCpu.delta(cpu0, procs.snapshot()).filter(([name]) => !name.startsWith('Kafka')).reduce((a, [, ms]) => a + ms, 0);
    await many.pool.end();
    await settle();
    const xactPerCase = ((await xactCommit(stats)) - xact0 - 1) / throughputCases; // - 1: the first xact_commit read
    const commitsPerCase = many.counters.commits / throughputCases;
    if (Math.abs(xactPerCase - commitsPerCase) > 0.5) {
      process.stderr.write(`langgraph peer: xact_commit cross-check ${xactPerCase.toFixed(2)}/case vs ${commitsPerCase.toFixed(2)} counted (other clients on the database?)\n`);
    }

    // Stored bytes per measured thread: payload columns of all three tables (jsonb as text, bytea octets).
    const { rows } = await stats.query<{ bytes: string; checkpoints: string }>(`
      WITH t AS (SELECT unnest($1::text[]) AS thread_id),
      c AS (SELECT thread_id, count(*) AS n, sum(octet_length(checkpoint::text) + octet_length(metadata::text)) AS b FROM ${SCHEMA}.checkpoints WHERE thread_id = ANY($1) GROUP BY thread_id),
      bl AS (SELECT thread_id, sum(coalesce(octet_length(blob), 0)) AS b FROM ${SCHEMA}.checkpoint_blobs WHERE thread_id = ANY($1) GROUP BY thread_id),
      w AS (SELECT thread_id, sum(octet_length(blob)) AS b FROM ${SCHEMA}.checkpoint_writes WHERE thread_id = ANY($1) GROUP BY thread_id)
      SELECT (avg(coalesce(c.b, 0) + coalesce(bl.b, 0) + coalesce(w.b, 0)))::text AS bytes, (avg(coalesce(c.n, 0)))::text AS checkpoints
      FROM t LEFT JOIN c USING (thread_id) LEFT JOIN bl USING (thread_id) LEFT JOIN w USING (thread_id)`, [measured]);

    return {
      latencyP50Ms: percentile(latency, 50),
      latencyP99Ms: percentile(latency, 99),
      casesPerSecond: throughputCases / seconds,
      commitsPerCase,
      roundTripsPerCase: many.counters.roundTrips / throughputCases,
      checkpointBytesPerCase: Number(rows[0]!.bytes),
      checkpointsPerCase: Number(rows[0]!.checkpoints),
      cpuPerCaseMs: cpuMs / throughputCases,
      cases: measured.length,
    };
  } finally {
    await stats.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    for (const p of pools) if (!p.ended) await p.end().catch(() => undefined);
    await stats.end();
  }
}
