// The peer, side by side: the five-step support flow as a LangGraph.js StateGraph with its Postgres checkpointer
// (durability "sync") on the same Postgres, zero-latency nodes; figures to set beside the pipeline-overhead,
// checkpoint and throughput benches. Context figures only (no targets): it measures the peer, not Switchboard.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/langgraph-peer.bench.ts
//   BENCH_PEER_LATENCY_CASES (default 60), BENCH_PEER_CASES (default 400), BENCH_PEER_CONCURRENCY (default 16)
import { TEST_DATABASE_URL } from '../support/env';
import { info, keyed, printFigures, type Figure } from './support/figures';
import { runLanggraphPeer } from './support/langgraph-peer';

const LATENCY_CASES = Number(process.env.BENCH_PEER_LATENCY_CASES ?? 60);
const CASES = Number(process.env.BENCH_PEER_CASES ?? 400);
const CONCURRENCY = Number(process.env.BENCH_PEER_CONCURRENCY ?? 16);

export async function run(): Promise<Figure[]> {
  const f = await runLanggraphPeer({ databaseUrl: TEST_DATABASE_URL, latencyCases: LATENCY_CASES, throughputCases: CASES, concurrency: CONCURRENCY });
  return [
    keyed('peer.p50', info('case latency (graph.invoke, one in flight), p50', f.latencyP50Ms, 'ms')),
    info('case latency, p99', f.latencyP99Ms, 'ms'),
    keyed('peer.throughput', info(`throughput, closed loop (${CONCURRENCY} in flight)`, f.casesPerSecond, 'cases/s')),
    keyed('peer.commits', info('Postgres commits per case (counted on the pool)', f.commitsPerCase, 'commits')),
    info('Postgres round trips per case', f.roundTripsPerCase, 'queries'),
    keyed('peer.bytes', info('checkpoint bytes stored per case (all tables)', Math.round(f.checkpointBytesPerCase), 'B')),
    info('checkpoint rows per case', f.checkpointsPerCase, 'rows'),
    keyed('peer.cpu', info('CPU per case in the closed loop (this process and Postgres, from /proc)', f.cpuPerCaseMs, 'ms')),
    info('cases measured', f.cases, ''),
  ];
}

if (require.main === module) {
  run().then((f) => { printFigures('LangGraph.js peer (PostgresSaver, durability "sync", zero-latency nodes)', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
