// Real: Kafka, Postgres, the built supervisor as a child process (SIGKILLed and restarted), its HTTP gateway adapter.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayHttp (the gateway's approval endpoints).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentName, TopicName } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { acquireSuiteLock, BROKERS, caseOf, Db, GATEWAY_ADMIN_KEY, runId, supervisorEnv, testCommandSignatures, ticketFor } from './support/harness';
import { happy, HAPPY, primeGroup, ScriptedAgents, TopicRecorder, waitFor, type Script } from './support/scripted-agents';
import { assertBuilt, FakeGatewayHttp, freePort, SupervisorProcess } from './support/supervisor-process';
import { SUPERVISOR_TOPICS } from '../src/supervisor.handler';

jest.setTimeout(300_000);

const run = runId();
const OUTPUT_TOPICS: TopicName[] = ['tickets.outcomes', 'tickets.replies', 'tickets.internal-notes'];
const agents = new ScriptedAgents(BROKERS, `sv-crash-agents-${run}`);
const recorder = new TopicRecorder(BROKERS, `sv-crash-recorder-${run}`, OUTPUT_TOPICS);
const gateway = new FakeGatewayHttp(GATEWAY_ADMIN_KEY);
const db = new Db();
let supervisor: SupervisorProcess;
let releaseLock: () => Promise<void>;

beforeAll(async () => {
  assertBuilt();
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await Promise.all([agents.start(), recorder.start(), gateway.start()]);
  const dir = mkdtempSync(join(tmpdir(), 'sv-crash-'));
  const policyFile = join(dir, 'policy.yaml');
  // Long step timeout: time spent killed must not turn into step timeouts; quick retries.
  writeFileSync(policyFile, 'version: 1\ndefaultMode: autonomous\nbudgets: { stepTimeoutMs: 600000 }\nretry: { maxAttempts: 3, baseMs: 200, factor: 2 }\n');
  const groupId = `sv-crash-${run}`;
  await primeGroup(BROKERS, groupId, SUPERVISOR_TOPICS);
  supervisor = new SupervisorProcess(supervisorEnv(groupId, { SUPERVISOR_POLICY_FILE: policyFile, GATEWAY_URL: gateway.url, LOG_LEVEL: 'warn', BUS_SESSION_TIMEOUT_MS: '6000', BUS_HEARTBEAT_INTERVAL_MS: '1000' }), await freePort());
  await supervisor.start();
}, 400_000);

afterAll(async () => {
  await supervisor?.kill();
  await Promise.all([agents.stop(), recorder.stop(), gateway.stop()]);
  await db.end();
  await releaseLock?.();
});

/** Exactly one outcome and at most one reply per case, and one dispatch (one task id) per expected step. */
async function expectExactlyOnce(caseId: string, dispatches: Partial<Record<AgentName, number>>, replies: number) {
  // Give the relay a chance to publish anything a restart left unsent before counting.
  await waitFor(`the outbox of ${caseId} to drain`, async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND sent_at IS NULL`, [caseId]);
    return rows[0].n === 0;
  });
  await waitFor(`one outcome for ${caseId}`, () => recorder.of(caseId, 'tickets.outcomes').length >= 1);
  // A kill between the relay's publish and its commit may put the same record on the topic twice (at-least-once);
  // it is the same message (same envelope id) that consumers dedupe, never a second outcome or reply.
  expect(recorder.distinct(caseId, 'tickets.outcomes')).toHaveLength(1);
  expect(recorder.distinct(caseId, 'tickets.replies')).toHaveLength(replies);
  expect(await db.count('outcomes', caseId)).toBe(1);
  for (const [agent, expected] of Object.entries(dispatches)) {
    const tasks = agents.tasks(caseId, agent as AgentName);
    expect({ agent, distinctTaskIds: new Set(tasks.map((t) => t.taskId)).size }).toEqual({ agent, distinctTaskIds: expected });
    // A kill between the relay's publish and its commit re-sends the same row (at-least-once): that is the same
    // dispatch (same task id and envelope id, which agents and the gateway dedupe on), never a new one.
    for (const taskId of new Set(tasks.map((t) => t.taskId))) {
      expect(new Set(tasks.filter((t) => t.taskId === taskId).map((t) => t.envelopeId)).size).toBe(1);
    }
    redeliveries += tasks.length - expected;
  }
}
let redeliveries = 0;

describe('supervisor killed with SIGKILL and restarted (real process, broker and database)', () => {
  it('resumes a case killed at every state and completes it exactly once', async () => {
    const tenant = `crash-states-${run}`;
    const id = `apr_crash_${run}`;
    agents.script(tenant, {
      ...HAPPY,
      resolver: (_task, call) => (call === 1
        ? happy.resolver({ decision: 'needs_approval', actions: [], pendingApproval: { approvalId: id, tool: 'issue_refund', arguments: { amount: 500 }, reason: 'over 100' } })
        : happy.resolver()),
    });
    agents.hold(tenant);
    const ticket = ticketFor(tenant);
    const caseId = caseOf(ticket);
    const status = () => db.status(caseId);
    const killedAt: string[] = [];

    async function killAt(expected: string, agent?: AgentName, taskCount = 1) {
      await waitFor(`${caseId} to reach ${expected}`, async () => (await status()) === expected);
      await supervisor.restart();
      killedAt.push(expected);
      if (agent) {
        // The dispatch was committed to the outbox before the kill; after the restart it must be delivered.
        await waitFor(`${agent} task ${taskCount} of ${caseId}`, () => agents.tasks(caseId, agent).length >= taskCount);
        await waitFor(`the ${agent} answer to be queued`, () => agents.pending(tenant) > 0);
        await agents.release(tenant);
      }
    }

    await agents.publishTicket(ticket);
    await killAt('RECEIVED', 'triage');
    await killAt('TRIAGED', 'retrieval');
    await killAt('RESOLVING', 'resolver');
    await killAt('AWAITING_APPROVAL');
    const approve = recorder.kafkaBus.envelope('supervisor.commands', { command: 'approve', approvalId: id, by: { userId: 'ana', role: 'supervisor' } }, {
      caseId, tenantId: tenant, region: 'us-east-1', correlationId: caseId, causationId: null,
    });
    await recorder.publishCommand(approve, testCommandSignatures.sign(approve));
    await waitFor('the second resolver task', () => agents.tasks(caseId, 'resolver').length === 2);
    await killAt('RESOLVING');
    await waitFor('the resolver answer to be queued', () => agents.pending(tenant) > 0);
    await agents.release(tenant);
    await killAt('VERIFYING', 'verifier');
    await killAt('RESOLVED');

    expect(killedAt).toEqual(['RECEIVED', 'TRIAGED', 'RESOLVING', 'AWAITING_APPROVAL', 'RESOLVING', 'VERIFYING', 'RESOLVED']);
    await expectExactlyOnce(caseId, { triage: 1, retrieval: 1, resolver: 2, verifier: 1 }, 1);
    expect(gateway.decisions).toEqual([{ approvalId: id, decision: 'approved', by: 'ana' }]);
    expect((await db.transitions(caseId)).map((t) => t.to_status)).toEqual(['TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'AWAITING_APPROVAL', 'RESOLVING', 'VERIFYING', 'RESOLVED']);
    expect(await recorder.of(caseId, 'tickets.outcomes')[0]).toMatchObject({ status: 'RESOLVED', verified: true });
  });

  it('survives kills at arbitrary moments while several cases run', async () => {
    const tenant = `crash-random-${run}`;
    agents.script(tenant, HAPPY as Script);
    const tickets = Array.from({ length: 4 }, () => ticketFor(tenant));
    const ids = tickets.map(caseOf);
    const transitions = async () => {
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM supervisor.transitions WHERE case_id = ANY($1)', [ids]);
      return rows[0].n as number;
    };
    for (const t of tickets) await agents.publishTicket(t);
    // Kill whenever the cases made progress since the last restart: mid-flight, wherever the process happens to be.
    for (let kill = 0; kill < 4; kill++) {
      const before = await transitions();
      if (before >= ids.length * 5) break;
      await waitFor('progress since the last restart', async () => (await transitions()) > before, 60_000);
      await supervisor.restart();
    }
    for (const caseId of ids) await waitFor(`${caseId} resolved`, async () => (await db.status(caseId)) === 'RESOLVED', 60_000);
    for (const caseId of ids) await expectExactlyOnce(caseId, { triage: 1, retrieval: 1, resolver: 1, verifier: 1 }, 1);
    expect(supervisor.kills).toBeGreaterThanOrEqual(8);
    process.stdout.write(`crash test: ${supervisor.kills} SIGKILLs, ${redeliveries} relay re-deliveries of an already-sent dispatch\n`);
  });
});
