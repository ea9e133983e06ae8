// Checkpoint cost of the supervisor's durable state machine on the real Postgres: each transition on the hot path is
// one autocommit statement (supervisor.apply_transition via CaseRepository.applyEvent: ledger row, version-checked state,
// transitions, checkpoint delta, trace, outcome guard, outbox rows), i.e. one round trip that includes its commit.
// Measured: that statement against a floor of the same shape (one autocommit UPDATE of one small row), the round
// trips per transition (counted on the client), and the checkpoint size at step 1, 2 and 50 of a long case
// (triage → retrieval → resolver, then human re-runs of the resolver until version 50).
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/checkpoint.bench.ts
import { Pool } from 'pg';
import type { AgentResult, TicketEvent } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { Outbox, runMigrations } from '@switchboard/store';
import { join } from 'node:path';
import { decide, initialCase } from '../../apps/supervisor/src/case/case.machine';
import { CaseRepository, type LockedCase } from '../../apps/supervisor/src/case/case.repository';
import type { CaseEvent, CaseState } from '../../apps/supervisor/src/case/case.types';
import { parsePolicy } from '../../apps/supervisor/src/policy/policy.loader';
import { policyYaml } from '../scenarios/support/scenario';
import { TEST_DATABASE_URL } from '../support/env';
import { alternate, atMost, info, percentile, printFigures, type Figure } from './support/figures';

const STEPS = 50;
const CASES = Number(process.env.BENCH_CHECKPOINT_CASES ?? 6);
const policy = parsePolicy(policyYaml('autonomous'));
const usage = { llmCalls: 1, inputTokens: 400, outputTokens: 60, costUsd: 0.0002 };

function ticket(id: string): TicketEvent {
  return { externalId: id, source: 'api', tenantId: 'globex', region: 'us-east-1', requester: { email: 'ops@globex.example' }, subject: 'Charged twice',
    body: 'We were charged twice on invoice inv_globex_1001, please refund $40.', receivedAt: new Date().toISOString(), priority: 'normal', tags: [], metadata: {} } as TicketEvent;
}

/** The event that moves the case on from where it is: agent results for the outstanding task, then re-runs. */
function nextEvent(s: CaseState, n: number): CaseEvent {
  const messageId = `bench-msg-${s.caseId}-${n}`;
  const result = (agent: string, output: unknown): CaseEvent => ({ kind: 'agent_result', messageId, result: { taskId: s.outstanding!.taskId, agent, status: 'ok', output, usage, toolErrors: 0 } as AgentResult });
  if (s.status === 'ESCALATED') return { kind: 'command', messageId, command: { command: 'rerun', by: { userId: 'ana', role: 'supervisor' }, hint: `try again (${n})` } } as CaseEvent;
  switch (s.outstanding?.agent) {
    case 'triage':
      return result('triage', { intent: 'refund', priority: 'normal', confidence: 0.97, entities: { tenantId: 'globex', amounts: [40], ids: ['inv_globex_1001'] }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 'charged twice, wants $40 back', redactedBody: 'We were charged twice on invoice inv_globex_1001, please refund $40.' });
    case 'retrieval':
      return result('retrieval', { passages: [{ documentId: 'refunds.md', section: 'Duplicate charges', title: 'Refunds', text: 'Refund duplicate charges after checking the invoice.'.repeat(4), score: 0.8 }] });
    default:
      return result('resolver', { decision: 'escalate', summary: `attempt ${n}: the invoice lookup was inconclusive`, escalationReason: 'needs a human', draftReply: '', findings: [`attempt ${n} finding`],
        steps: [{ at: new Date().toISOString(), kind: 'tool_call', tool: 'get_invoice', toolCallId: `tc${n}`, arguments: { tenantId: 'globex', invoiceId: 'inv_globex_1001' } }],
        actions: [{ toolCallId: `tc${n}`, tool: 'issue_refund', arguments: { tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 40 + n, reason: 'dup' }, executed: false }] });
  }
}

export async function run(): Promise<Figure[]> {
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const root = join(__dirname, '..', '..');
  await runMigrations(pool, 'store', join(root, 'libs', 'store', 'migrations'));
  await runMigrations(pool, 'supervisor', join(root, 'apps', 'supervisor', 'migrations'));
  const repo = new CaseRepository(pool);
  const txn: number[] = [], floor: number[] = [], trips: number[] = [];
  const sizes: number[][] = [];
  const client = await pool.connect();
  // Round trips on this client, counted where the driver sends them.
  let sent = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => { sent++; return query(...args); };
  await client.query('CREATE TABLE IF NOT EXISTS public.bench_floor (id text PRIMARY KEY, n int NOT NULL, doc jsonb NOT NULL)');
  try {
    for (let c = 0; c < CASES; c++) {
      const caseId = `bench_ckpt_${Date.now().toString(36)}_${c}`;
      let current: LockedCase = { version: 0, state: initialCase(ticket(caseId), { caseId, correlationId: caseId }, policy, new Date()) };
      await client.query('INSERT INTO public.bench_floor (id, n, doc) VALUES ($1, 0, $2) ON CONFLICT (id) DO NOTHING', [caseId, { status: 'RECEIVED' }]);
      let n = 0;
      const step = async (): Promise<number> => {
        const event: CaseEvent = n === 0 ? { kind: 'ticket_received', messageId: `bench-msg-${caseId}-0` } : nextEvent(current.state, n);
        const decision = decide(current.state, event, policy, new Date());
        // The messages as rows (a non-contract topic, so no relay ever publishes them; deleted below).
        const outbox = Outbox.batch(decision.emit.map((m) => ({ topic: `bench.${m.topic}`, key: caseId, value: m.payload })));
        const before = sent;
        const t0 = performance.now();
        await repo.applyEvent(client, { ledger: { consumer: 'bench-checkpoint', messageId: event.messageId }, previous: current, decision, event, created: n === 0, outbox, policyVersion: 'policy:bench' });
        const t1 = performance.now();
        trips.push(sent - before);
        current = { version: current.version + 1, state: decision.state };
        n++;
        return t1 - t0;
      };
      const floorTxn = async (): Promise<number> => {
        const t0 = performance.now();
        await client.query('UPDATE public.bench_floor SET n = n + 1, doc = $2 WHERE id = $1', [caseId, { status: 'X', n }]);
        return performance.now() - t0;
      };
      const s = await alternate(STEPS / 5, 5, floorTxn, step);
      txn.push(...s.system); floor.push(...s.baseline);
      const { rows } = await client.query<{ version: number; bytes: number }>('SELECT version, octet_length(delta::text) AS bytes FROM supervisor.checkpoints WHERE case_id = $1 AND version IN (1, 2, 50) ORDER BY version', [caseId]);
      sizes.push(rows.map((r) => r.bytes));
    }
  } finally {
    await client.query('DROP TABLE IF EXISTS public.bench_floor');
    await client.query("DELETE FROM outbox WHERE topic LIKE 'bench.%'");
    await client.query("DELETE FROM processed_messages WHERE consumer = 'bench-checkpoint'");
    client.release();
    await pool.end();
  }
  const avg = (i: number) => sizes.reduce((a, r) => a + (r[i] ?? NaN), 0) / sizes.length;
  const b1 = avg(0), b2 = avg(1), b50 = avg(2);
  return [
    atMost('transition: one autocommit statement (incl. commit), p50', percentile(txn, 50), 'ms', 1),
    info('transition, p99', percentile(txn, 99), 'ms'),
    atMost('round trips per transition (commit included)', Math.max(...trips), '', 1),
    info('floor: autocommit 1-row UPDATE, p50', percentile(floor, 50), 'ms'),
    info('transition / floor, p50', percentile(txn, 50) / percentile(floor, 50), '×'),
    info('checkpoint bytes at step 1 (full core)', Math.round(b1), 'B'),
    info('checkpoint bytes at step 2 (first delta)', Math.round(b2), 'B'),
    info('checkpoint bytes at step 50', Math.round(b50), 'B'),
    atMost('bytes at step 50 / step 1', b50 / b1, '×', 1.2),
    info('bytes at step 50 / step 2 (delta vs delta)', b50 / b2, '×'),
    info('transitions measured', txn.length, ''),
  ];
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures('checkpoint cost (real Postgres)', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
