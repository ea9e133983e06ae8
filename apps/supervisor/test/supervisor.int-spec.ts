// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay, task tokens.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints).
import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TopicName } from '@switchboard/contracts';
import { verifyTaskToken } from '@switchboard/task-tokens';
import { configureLogging } from '@switchboard/observability';
import { PolicySchema } from '../src/policy/policy.schema';
import { createSupervisorApp } from '../src/supervisor.app';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, Db, runId, supervisorConfig, ticketFor, TOKEN_SECRET } from './support/harness';
import { happy, HAPPY, primeGroup, ScriptedAgents, TopicRecorder, waitFor, type AgentReply, type Script } from './support/scripted-agents';
import { SUPERVISOR_TOPICS } from '../src/supervisor.handler';

jest.setTimeout(90_000);

const run = runId();
const T = Object.fromEntries(
  ['happy', 'dup', 'shadow', 'assist', 'lowconf', 'unverified', 'approve', 'reject', 'transient', 'iter', 'tokens', 'cost', 'toolerr', 'timeout', 'repeat', 'exhausted', 'badplan', 'api']
    .map((name) => [name, `sv-${name}-${run}`]),
) as Record<string, string>;

const policy = PolicySchema.parse({
  version: 1,
  defaultMode: 'autonomous',
  retry: { maxAttempts: 3, baseMs: 200, factor: 2 },
  budgets: { stepTimeoutMs: 30_000 },
  overrides: [
    { tenant: T.shadow, mode: 'shadow' },
    { tenant: T.assist, mode: 'assist' },
    { tenant: T.iter, budgets: { maxIterations: 3 } },
    { tenant: T.tokens, budgets: { maxTokens: 1000 } },
    { tenant: T.cost, budgets: { maxCostUsd: 0.05 } },
    { tenant: T.toolerr, budgets: { maxToolErrors: 2 } },
    { tenant: T.timeout, budgets: { stepTimeoutMs: 700 } },
  ],
});

// Commands sent with an API key are attributed to the key's fingerprint, never to a name in the body.
const API_ACTOR = `api-key:${createHash('sha256').update(API_KEY).digest('hex').slice(0, 12)}`;
const OUTPUT_TOPICS: TopicName[] = ['tickets.outcomes', 'tickets.replies', 'tickets.internal-notes'];
let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
const agents = new ScriptedAgents(BROKERS, `sv-test-agents-${run}`);
const recorder = new TopicRecorder(BROKERS, `sv-test-recorder-${run}`, OUTPUT_TOPICS);
const gateway = new FakeGatewayAdmin();
const db = new Db();

beforeAll(async () => {
  configureLogging({ level: (process.env.SV_TEST_LOG as 'info') ?? 'error' });
  releaseLock = await acquireSuiteLock();
  await Promise.all([agents.start(), recorder.start()]);
  const config = supervisorConfig(`sv-test-${run}`);
  await primeGroup(BROKERS, config.SUPERVISOR_GROUP_ID, SUPERVISOR_TOPICS);
  app = await createSupervisorApp(config, { policy, gatewayAdmin: gateway });
  await app.listen(0, '127.0.0.1');
  baseUrl = await app.getUrl();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([agents.stop(), recorder.stop()]);
  await db.end();
  await releaseLock?.();
});

async function start(tenant: string, script: Script, over: Parameters<typeof ticketFor>[2] = {}) {
  agents.script(tenant, script);
  const ticket = ticketFor(tenant, undefined, over);
  await agents.publishTicket(ticket);
  return caseOf(ticket);
}

const settled = (caseId: string, status: string) => waitFor(`case ${caseId} to be ${status}`, async () => (await db.status(caseId)) === status);

async function outcomeOf(caseId: string) {
  return waitFor(`an outcome for ${caseId}`, () => recorder.of(caseId, 'tickets.outcomes')[0] as Record<string, any> | undefined);
}

async function expectEscalated(caseId: string, breaker: string) {
  await settled(caseId, 'ESCALATED');
  const outcome = await outcomeOf(caseId);
  expect(outcome).toMatchObject({ status: 'ESCALATED', verified: false, handoff: { breaker, reason: expect.any(String), asked: expect.stringContaining('Dashboard blank'), suggestedNextStep: expect.any(String) } });
  expect(outcome.handoff.counters).toMatchObject({ iterations: expect.any(Number), tokens: expect.any(Number), costUsd: expect.any(Number), toolErrors: expect.any(Number) });
  expect(recorder.of(caseId, 'tickets.replies')).toEqual([]);
  return outcome;
}

const api = (path: string, init: RequestInit = {}, key: string | null = API_KEY) =>
  fetch(`${baseUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers } });

describe('supervisor on the real broker and database', () => {
  it('runs the happy path to RESOLVED with a verified reply; every transition and checkpoint is in Postgres', async () => {
    const caseId = await start(T.happy, HAPPY);
    await settled(caseId, 'RESOLVED');
    const outcome = await outcomeOf(caseId);
    expect(outcome).toMatchObject({ status: 'RESOLVED', verified: true, mode: 'autonomous', intent: 'dashboard_cache' });
    const replies = await waitFor('the reply', () => recorder.of(caseId, 'tickets.replies').length === 1 && recorder.of(caseId, 'tickets.replies'));
    expect(replies[0]).toMatchObject({ to: 'ops@example.com', body: expect.stringContaining('flushed'), evidenceCount: 1 });

    expect((await db.transitions(caseId)).map((t) => `${t.from_status}>${t.to_status}`)).toEqual([
      'RECEIVED>TRIAGED', 'TRIAGED>CONTEXT_READY', 'CONTEXT_READY>RESOLVING', 'RESOLVING>VERIFYING', 'VERIFYING>RESOLVED',
    ]);
    const row = (await db.caseRow(caseId))!;
    expect(await db.count('checkpoints', caseId)).toBe(row.version);
    expect(row.state.counters).toMatchObject({ iterations: 4, llmCalls: 4, tokens: 2780 });

    const resolverTask = agents.tasks(caseId, 'resolver')[0]!;
    const claims = await verifyTaskToken(String(resolverTask.payload.gatewayToken), TOKEN_SECRET);
    expect(claims).toMatchObject({ caseId, taskId: resolverTask.taskId, agent: 'resolver', mode: 'autonomous', scopes: ['read', 'write'] });
    const verifierClaims = await verifyTaskToken(String(agents.tasks(caseId, 'verifier')[0]!.payload.gatewayToken), TOKEN_SECRET);
    expect(verifierClaims.scopes).toEqual(['read']);
    // Each dispatch's token carries the case's growing task sequence; the gateway refuses lower ones (superseded).
    expect(claims.seq).toEqual(expect.any(Number));
    expect(verifierClaims.seq).toBeGreaterThan(claims.seq!);

    const res = await api(`/v1/cases/${caseId}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { trace: Array<{ kind: string; agent: string | null; data: Record<string, unknown>; input_tokens: number | null }>; outcomes: unknown[] };
    const results = body.trace.filter((t) => t.kind === 'result');
    expect(results.map((t) => t.agent)).toEqual(['triage', 'retrieval', 'resolver', 'verifier']);
    expect(results[2]!.data.resolver).toMatchObject({ steps: expect.arrayContaining([expect.objectContaining({ kind: 'tool_call', tool: 'flush_cache' })]) });
    expect(results[2]!.input_tokens).toBe(2000);
    expect(body.outcomes).toHaveLength(1);
  });

  it('turns a duplicate ingress event into one case, recording the duplicate', async () => {
    agents.script(T.dup, HAPPY);
    const ticket = ticketFor(T.dup);
    await agents.publishTicket(ticket);
    await agents.publishTicket({ ...ticket, receivedAt: new Date().toISOString() });
    const caseId = caseOf(ticket);
    await settled(caseId, 'RESOLVED');
    await waitFor('the duplicate to be recorded', async () => (await db.caseRow(caseId))!.state.counters.duplicates === 1);
    // The recorder reads tickets.outcomes as a consumer of its own; it can trail the database by a poll.
    await waitFor('the outcome to reach the recorder', async () => recorder.of(caseId, 'tickets.outcomes').length >= 1);
    expect(agents.tasks(caseId, 'triage')).toHaveLength(1);
    expect(recorder.of(caseId, 'tickets.outcomes')).toHaveLength(1);
  });

  describe('rollout modes', () => {
    it('shadow: read-only token, no verifier, no reply, an internal note of what would be done', async () => {
      const caseId = await start(T.shadow, { ...HAPPY, resolver: () => happy.resolver({ actions: [{ toolCallId: 'call_1', tool: 'flush_cache', arguments: { tenantId: 't' }, executed: false }] }) });
      await settled(caseId, 'ESCALATED');
      const outcome = await outcomeOf(caseId);
      expect(outcome).toMatchObject({ status: 'ESCALATED', mode: 'shadow', reason: expect.stringMatching(/^shadow mode/) });
      const note = await waitFor('the internal note', () => recorder.of(caseId, 'tickets.internal-notes')[0] as Record<string, any> | undefined);
      expect(note).toMatchObject({ mode: 'shadow', proposedActions: [{ tool: 'flush_cache', arguments: { tenantId: 't' } }] });
      const claims = await verifyTaskToken(String(agents.tasks(caseId, 'resolver')[0]!.payload.gatewayToken), TOKEN_SECRET);
      expect(claims.scopes).toEqual(['read']);
      expect(agents.tasks(caseId, 'resolver')[0]!.payload.mode).toBe('shadow');
      expect(agents.tasks(caseId, 'verifier')).toEqual([]);
      expect(recorder.of(caseId, 'tickets.replies')).toEqual([]);
    });

    it('assist: context and routing only, no resolver (no write), internal note', async () => {
      const caseId = await start(T.assist, HAPPY);
      await settled(caseId, 'ESCALATED');
      expect(await outcomeOf(caseId)).toMatchObject({ mode: 'assist', reason: expect.stringMatching(/^assist mode/) });
      await waitFor('the internal note', () => recorder.of(caseId, 'tickets.internal-notes').length === 1);
      expect(agents.tasks(caseId, 'resolver')).toEqual([]);
      expect(agents.tasks(caseId, 'retrieval')).toHaveLength(1);
    });
  });

  describe('policy decisions', () => {
    it('escalates low-confidence triage before anything else runs', async () => {
      const caseId = await start(T.lowconf, { ...HAPPY, triage: () => happy.triage({ confidence: 0.8 }) });
      const outcome = await expectEscalated(caseId, 'low_confidence');
      expect(outcome.handoff.findings[0].summary).toContain('confidence 0.8');
      expect(agents.tasks(caseId, 'retrieval')).toEqual([]);
    });

    it('never replies to an unverified resolution', async () => {
      const caseId = await start(T.unverified, { ...HAPPY, verifier: () => happy.verifier({ verified: false, reason: 'cache still stale', evidence: [] }) });
      const outcome = await expectEscalated(caseId, 'unverified');
      expect(outcome.reason).toContain('cache still stale');
    });
  });

  describe('approvals', () => {
    const pending = { approvalId: `apr_${run}`, tool: 'issue_refund', arguments: { amount: 500 }, reason: 'refund over 100' };
    const approvalScript = (id: string): Script => ({
      ...HAPPY,
      resolver: (task, call) => (call === 1 ? happy.resolver({ decision: 'needs_approval', pendingApproval: { ...pending, approvalId: id }, actions: [] }) : happy.resolver({ summary: `ran ${String(task.payload.approvedApprovalId)}` })),
    });

    it('waits in the queue, then an approve command (via the API) resumes it to a verified resolution', async () => {
      const id = `apr_a_${run}`;
      const caseId = await start(T.approve, approvalScript(id));
      await settled(caseId, 'AWAITING_APPROVAL');
      const queue = (await (await api('/v1/cases?status=AWAITING_APPROVAL')).json()) as { cases: Array<{ case_id: string; approval: { approvalId: string } }> };
      expect(queue.cases.find((c) => c.case_id === caseId)?.approval.approvalId).toBe(id);

      const res = await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'approve', approvalId: id}) });
      expect(res.status).toBe(202);
      await settled(caseId, 'RESOLVED');
      expect(gateway.calls).toContainEqual({ decision: 'approve', approvalId: id, by: API_ACTOR });
      const second = agents.tasks(caseId, 'resolver')[1]!;
      expect(second.payload).toMatchObject({ approvedApprovalId: id, approved: { approvalId: id, tool: 'issue_refund' } });
      expect(await outcomeOf(caseId)).toMatchObject({ status: 'RESOLVED', verified: true });
      expect((await db.transitions(caseId)).map((t) => t.to_status)).toEqual(['TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'AWAITING_APPROVAL', 'RESOLVING', 'VERIFYING', 'RESOLVED']);
    });

    it('a reject command escalates with the reason', async () => {
      const id = `apr_r_${run}`;
      const caseId = await start(T.reject, approvalScript(id));
      await settled(caseId, 'AWAITING_APPROVAL');
      const res = await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'reject', approvalId: id, reason: 'too large'}) });
      expect(res.status).toBe(202);
      const outcome = await expectEscalated(caseId, 'approval_rejected');
      expect(outcome.reason).toContain('too large');
      expect(gateway.calls).toContainEqual({ decision: 'reject', approvalId: id, by: API_ACTOR });
    });
  });

  describe('recovery', () => {
    it('retries a transient agent failure with backoff and completes', async () => {
      const flaky = (call: number): AgentReply => (call === 1 ? { status: 'failed', error: { code: 'LLM.UNAVAILABLE', category: 'third_party', message: 'provider down' } } : happy.triage());
      const caseId = await start(T.transient, { ...HAPPY, triage: (_t, call) => flaky(call) });
      await settled(caseId, 'RESOLVED');
      const triageTasks = agents.tasks(caseId, 'triage');
      expect(triageTasks.map((t) => t.attempt)).toEqual([1, 2]);
      expect(new Set(triageTasks.map((t) => t.taskId)).size).toBe(2);
    });

    it('sends a resolver planning failure back to re-plan once, then escalates', async () => {
      const bad: AgentReply = { status: 'failed', error: { code: 'LLM.OUTPUT_INVALID', category: 'user', message: 'plan did not parse' } };
      const caseId = await start(T.badplan, { ...HAPPY, resolver: () => bad });
      await expectEscalated(caseId, 'bad_output');
      const resolverTasks = agents.tasks(caseId, 'resolver');
      expect(resolverTasks).toHaveLength(2);
      expect(resolverTasks[1]!.payload.hint).toContain('LLM.OUTPUT_INVALID');
    });
  });

  describe('budgets and circuit breakers escalate with a complete handoff packet', () => {
    const failingSteps = Array.from({ length: 3 }, (_, i) => [
      { kind: 'tool_call' as const, at: new Date().toISOString(), tool: 'set_flag', toolCallId: `c${i}`, arguments: { flag: 'dash', on: false } },
      { kind: 'observation' as const, at: new Date().toISOString(), toolCallId: `c${i}`, error: { code: 'BACKEND_ERROR', message: 'flag service 500' } },
    ]).flat();
    const cases: Array<[string, string, Script]> = [
      ['max iterations', 'iter', HAPPY],
      ['max tokens', 'tokens', { ...HAPPY, triage: () => ({ ...happy.triage(), usage: { inputTokens: 1500, outputTokens: 10 } }) as AgentReply }],
      ['max cost', 'cost', { ...HAPPY, triage: () => ({ ...happy.triage(), usage: { costUsd: 0.2 } }) as AgentReply }],
      ['max tool errors', 'toolerr', { ...HAPPY, resolver: () => ({ ...happy.resolver(), toolErrors: 3 }) as AgentReply }],
      ['step timeout (an agent that never answers)', 'timeout', { ...HAPPY, triage: () => ({ silent: true }) }],
      ['repeated identical failing action', 'repeat', { ...HAPPY, resolver: () => happy.resolver({ steps: failingSteps }) }],
      ['transient failures exhausted', 'exhausted', { ...HAPPY, retrieval: () => ({ status: 'failed', error: { code: 'QDRANT.DOWN', category: 'system', message: 'connection refused' } }) }],
    ];
    const breakerOf: Record<string, string> = {
      iter: 'max_iterations', tokens: 'max_tokens', cost: 'max_cost', toolerr: 'max_tool_errors', timeout: 'step_timeout', repeat: 'repeated_failure', exhausted: 'agent_unavailable',
    };

    it.each(cases)('%s', async (_name, key, script) => {
      const caseId = await start(T[key]!, script);
      const outcome = await expectEscalated(caseId, breakerOf[key]!);
      const row = (await db.caseRow(caseId))!;
      expect(row.state.escalation.breaker).toBe(breakerOf[key]);
      const breakerTrace = (await (await api(`/v1/cases/${caseId}`)).json()) as { trace: Array<{ kind: string; data: { breaker?: string } }> };
      expect(breakerTrace.trace.some((t) => t.kind === 'breaker' && t.data.breaker === breakerOf[key])).toBe(true);
      if (key === 'timeout') {
        expect(agents.tasks(caseId, 'triage').map((t) => t.attempt)).toEqual([1, 2, 3]);
        expect(outcome.handoff.counters.timeouts).toBe(3);
      } else {
        expect(outcome.handoff.findings.length).toBeGreaterThan(0);
      }
      if (key === 'repeat') expect(outcome.handoff.tried.filter((t: { outcome: string }) => t.outcome.includes('BACKEND_ERROR'))).toHaveLength(3);
      if (key === 'iter') expect(outcome.handoff.counters.iterations).toBe(3);
      if (key === 'exhausted') expect(agents.tasks(caseId, 'retrieval').map((t) => t.attempt)).toEqual([1, 2, 3]);
    });
  });

  describe('case API', () => {
    it('refuses requests without a valid key and validates input', async () => {
      expect((await api('/v1/cases', {}, null)).status).toBe(401);
      expect((await api('/v1/cases', {}, 'wrong-key-wrong-key-wrong')).status).toBe(401);
      expect((await api('/v1/cases?status=NOPE')).status).toBe(400);
      expect((await api('/v1/cases/not-a-case')).status).toBe(400);
      expect((await api('/v1/cases/case_000000000000000000000000')).status).toBe(404);
      expect((await api('/v1/cases/case_000000000000000000000000/commands', { method: 'POST', body: '{"command":"explode"}' })).status).toBe(400);
      expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
    });

    it('lists the escalation queue and takes a case over', async () => {
      const caseId = await start(T.api, { ...HAPPY, triage: () => happy.triage({ confidence: 0.5 }) });
      await settled(caseId, 'ESCALATED');
      const list = (await (await api('/v1/cases?status=ESCALATED&limit=500')).json()) as { cases: Array<{ case_id: string; escalation: { breaker: string } }> };
      expect(list.cases.find((c) => c.case_id === caseId)?.escalation.breaker).toBe('low_confidence');
      await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'take_over' }) });
      await waitFor('the assignee', async () => (await db.caseRow(caseId))!.state.escalation.assignee === API_ACTOR);
      await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'close', note: 'answered by phone' }) });
      await settled(caseId, 'CLOSED');
      await waitFor('the outcome to reach the recorder', async () => recorder.of(caseId, 'tickets.outcomes').length >= 1);
      expect(recorder.of(caseId, 'tickets.outcomes')).toHaveLength(1);
    });
  });
});
