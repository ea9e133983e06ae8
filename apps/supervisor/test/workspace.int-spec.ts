// The console workspace (issue 20). Editable draft replies (send_reply): a supervisor's reply on an escalated case is
// checked with the verifier's claim rules against the run's verified evidence, refused (422, nothing sent) when it
// claims more, and otherwise published once on tickets.replies, with the agents' draft and the sent text in the trace
// and the decision log. SLA per priority and tenant: on every inbox row and case, and breaches on /metrics.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints).
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging } from '@switchboard/observability';
import { hashPassword } from '../src/auth/password';
import { ConsoleRepository } from '../src/console/console.repository';
import { PolicySchema } from '../src/policy/policy.schema';
import { SLA_STOPPED, SlaClock, SlaPolicySchema, slaRows } from '../src/sla/sla.policy';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, BROKERS, caseOf, Db, listenSupervisor, METRICS_KEY, runId, supervisorConfig, ticketFor } from './support/harness';
import { happy, HAPPY, ScriptedAgents, TopicRecorder, waitFor, type Script } from './support/scripted-agents';

jest.setTimeout(90_000);

const run = runId();
const T = { shadow: `dr-shadow-${run}`, unverified: `dr-unverified-${run}`, other: `dr-other-${run}` };
const policy = PolicySchema.parse({
  version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 },
  overrides: [{ tenant: T.shadow, mode: 'shadow' }, { tenant: T.other, mode: 'shadow' }],
});
const USERS = { ana: 'ana-correct-horse-1', bob: 'bob-tr0ub4dor-3' } as const;
const DRAFT = 'We flushed your dashboard cache; please reload the page.';
const NEUTRAL = 'Thanks for your patience; an engineer is looking into this and will reply today.';

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
const agents = new ScriptedAgents(BROKERS, `dr-agents-${run}`);
const recorder = new TopicRecorder(BROKERS, `dr-recorder-${run}`, ['tickets.replies', 'tickets.outcomes']);
const db = new Db();
const cookies: Record<string, string> = {};
const cases = { shadow: '', unverified: '', other: '' };

async function send(who: keyof typeof USERS, caseId: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${baseUrl}/v1/cases/${caseId}/commands`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'test', Cookie: cookies[who]! }, body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function view(caseId: string): Promise<any> {
  return (await fetch(`${baseUrl}/v1/cases/${caseId}`, { headers: { Cookie: cookies.ana! } })).json();
}

async function start(tenant: string, script: Script): Promise<string> {
  agents.script(tenant, script);
  const ticket = ticketFor(tenant);
  await agents.publishTicket(ticket);
  return caseOf(ticket);
}
const settled = (caseId: string, status: string) => waitFor(`case ${caseId} to be ${status}`, async () => (await db.status(caseId)) === status);

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await Promise.all([agents.start(), recorder.start()]);
  const users = await Promise.all(Object.entries(USERS).map(async ([username, password]) => ({ username, role: 'supervisor', passwordHash: await hashPassword(password, { N: 1024, r: 8, p: 1 }) })));
  const config = supervisorConfig(`dr-${run}`, {
    SUPERVISOR_CONSOLE_USERS: JSON.stringify(users), SUPERVISOR_SESSION_SECRET: `dr-session-secret-${run}-0123456789abcdef`,
    SUPERVISOR_SLA: JSON.stringify({ priorities: { urgent: 15 }, tenants: { [T.other]: { normal: 30 } } }), SUPERVISOR_METRICS_CACHE_SECONDS: '0',
  });
  ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: new FakeGatewayAdmin() }));

  const shadowScript: Script = { ...HAPPY, resolver: () => happy.resolver({ draftReply: DRAFT, actions: [] }) };
  // Autonomous, the cache flush ran and its read-back passed, but the verifier could not confirm the dashboard works.
  const unverifiedScript: Script = {
    ...HAPPY,
    resolver: () => happy.resolver({ draftReply: 'We reset your tenant cache and your dashboard works again.', actions: [{ toolCallId: 'call_1', tool: 'reset_tenant_cache', arguments: { tenantId: T.unverified }, executed: true }] }),
    verifier: () => happy.verifier({
      verified: false, reason: 'the dashboard still renders blank',
      evidence: [{ tool: 'get_cache_status', arguments: { tenantId: T.unverified }, expected: 'fresh', observed: { status: 'fresh' }, passed: true, forAction: 'call_1' }],
    }),
  };
  [cases.shadow, cases.unverified, cases.other] = await Promise.all([start(T.shadow, shadowScript), start(T.unverified, unverifiedScript), start(T.other, shadowScript)]);
  await Promise.all(Object.values(cases).map((id) => settled(id, 'ESCALATED')));
  for (const [username, password] of Object.entries(USERS)) {
    const res = await fetch(`${baseUrl}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'test' }, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    cookies[username] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
}, 300_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([agents.stop(), recorder.stop()]);
  await db.end();
  await releaseLock?.();
});

describe('send_reply', () => {
  it('offers the agents\' draft, refuses an unsupported claim with 422 naming the sentence, then sends the corrected reply once', async () => {
    expect((await view(cases.shadow)).draft).toEqual({ proposed: DRAFT, run: 1, evidence: { actions: 0, checks: 0 } });

    const refused = await send('ana', cases.shadow, { command: 'send_reply', body: `${DRAFT} ${NEUTRAL}` });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ code: 'SUPERVISOR.UNSUPPORTED_CLAIM', claims: [expect.stringContaining(`"We flushed your dashboard cache; please reload the page."`)] });
    expect(refused.json.message).toContain('not sent');
    expect(await db.count('decisions', cases.shadow)).toBe(0);

    const sent = await send('ana', cases.shadow, { command: 'send_reply', body: NEUTRAL, run: 1 });
    expect(sent.status).toBe(202);
    await settled(cases.shadow, 'CLOSED');
    const replies = await waitFor('the reply on tickets.replies', () => recorder.distinct(cases.shadow, 'tickets.replies').length > 0 && recorder.distinct(cases.shadow, 'tickets.replies'));
    expect(replies).toEqual([expect.objectContaining({ body: NEUTRAL, to: 'ops@example.com', run: 1, evidenceCount: 0 })]);

    const v = await view(cases.shadow);
    expect(v.decisions).toEqual([expect.objectContaining({ actor_id: 'ana', command: 'send_reply', arguments: { body: NEUTRAL, run: 1, proposed: DRAFT }, message_id: sent.json.messageId })]);
    expect(v.trace.map((t: any) => t.data)).toContainEqual({ event: 'reply_sent', by: 'ana', run: 1, proposed: DRAFT, sent: NEUTRAL, edited: true });
    expect(v.state.assignee).toBe('ana');

    // Closed now: a second send is a 409 and nothing more is published.
    expect((await send('ana', cases.shadow, { command: 'send_reply', body: NEUTRAL })).status).toBe(409);
    // Exactly one reply was ever written to the outbox for the case (the relay may redeliver it, under the same id).
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'tickets.replies' AND key = $1`, [cases.shadow]);
    expect(rows[0].n).toBe(1);
    expect(recorder.distinct(cases.shadow, 'tickets.replies')).toHaveLength(1);
  });

  it('lets a reply state what the verifier proved, and nothing it did not', async () => {
    expect((await view(cases.unverified)).draft).toMatchObject({ evidence: { actions: 1, checks: 0 } });
    const refused = await send('ana', cases.unverified, { command: 'send_reply', body: 'We reset your tenant cache. We also refunded your last invoice.' });
    expect(refused.status).toBe(422);
    expect(refused.json.claims).toEqual([expect.stringContaining('"We also refunded your last invoice."')]);
    const body = 'We reset your tenant cache. If anything still looks wrong, just reply to this message.';
    expect((await send('ana', cases.unverified, { command: 'send_reply', body })).status).toBe(202);
    await settled(cases.unverified, 'CLOSED');
    await waitFor('the reply', () => recorder.distinct(cases.unverified, 'tickets.replies').length === 1);
  });

  it('refuses with 409 ASSIGNED_TO_OTHER when someone else is on the case, a stale run and bad bodies', async () => {
    expect((await send('bob', cases.other, { command: 'claim' })).status).toBe(202);
    await waitFor('bob on the case', async () => (await db.caseRow(cases.other))?.state['assignee'] === 'bob');
    const taken = await send('ana', cases.other, { command: 'send_reply', body: NEUTRAL });
    expect(taken).toEqual({ status: 409, json: expect.objectContaining({ code: 'SUPERVISOR.ASSIGNED_TO_OTHER', assignee: 'bob' }) });
    expect((await send('bob', cases.other, { command: 'send_reply', body: NEUTRAL, run: 2 })).status).toBe(409);
    for (const bad of [{ command: 'send_reply' }, { command: 'send_reply', body: '   ' }, { command: 'send_reply', body: 'x'.repeat(10_001) }, { command: 'send_reply', body: NEUTRAL, by: 'bob' }]) {
      expect((await send('bob', cases.other, bad)).status).toBe(400);
    }
    expect(await db.status(cases.other)).toBe('ESCALATED');
    expect(recorder.distinct(cases.other, 'tickets.replies')).toEqual([]);
  });

  it('bulk: one result per case (bob\'s case refused with the code it answers alone, an unknown case 404), and bad bodies 400', async () => {
    const bulk = async (body: unknown): Promise<{ status: number; json: any }> => {
      const res = await fetch(`${baseUrl}/v1/cases/commands`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'test', Cookie: cookies.ana! }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    };
    const script: Script = { ...HAPPY, resolver: () => happy.resolver({ draftReply: DRAFT, actions: [] }) };
    const [bobs, free] = [await start(T.shadow, script), await start(T.shadow, script)];
    await Promise.all([settled(bobs, 'ESCALATED'), settled(free, 'ESCALATED')]);
    expect((await send('bob', bobs, { command: 'claim' })).status).toBe(202);
    await waitFor('bob on his case', async () => (await db.caseRow(bobs))?.state['assignee'] === 'bob');
    const unknown = 'case_0123456789abcdef01234567';
    const answer = await bulk({ caseIds: [bobs, free, unknown], command: { command: 'claim' } });
    expect(answer.status).toBe(200);
    expect(answer.json.results).toEqual([
      { caseId: bobs, ok: false, status: 409, code: 'SUPERVISOR.ASSIGNED_TO_OTHER', message: expect.stringContaining('bob is on this case') },
      { caseId: free, ok: true, decisionId: expect.any(String) },
      { caseId: unknown, ok: false, status: 404, code: expect.any(String), message: expect.stringContaining(unknown) },
    ]);
    await waitFor('ana on the free case', async () => (await db.caseRow(free))?.state['assignee'] === 'ana');
    for (const bad of [
      { caseIds: [], command: { command: 'claim' } },
      { caseIds: [free, free], command: { command: 'claim' } },
      { caseIds: [free], command: { command: 'approve', approvalId: 'apr_1' } },
      { caseIds: [free], command: { command: 'send_reply', body: NEUTRAL } },
      { caseIds: Array.from({ length: 101 }, (_, i) => `case_${i.toString(16).padStart(24, '0')}`), command: { command: 'close' } },
      { caseIds: ['not-a-case'], command: { command: 'close' } },
      { caseIds: [free], command: { command: 'claim' }, by: 'bob' },
    ]) expect((await bulk(bad)).status).toBe(400);
    const { rows } = await db.pool.query(`SELECT case_id FROM supervisor.decisions WHERE actor_id = 'ana' AND command = 'claim' AND case_id = ANY($1::text[])`, [[bobs, free, unknown]]);
    expect(rows).toEqual([{ case_id: free }]);
  });
});

describe('SLA', () => {
  const breached = async (priority: string): Promise<number> => {
    const text = await (await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`switchboard_supervisor_sla_breached_cases{priority="${priority}"} `));
    return Number(line?.split(' ')[1]);
  };

  it('gives every inbox row and case its tenant\'s and priority\'s SLA, due from arrival', async () => {
    const res = await fetch(`${baseUrl}/v1/cases?ids=${cases.other},${cases.unverified}&status=ESCALATED,CLOSED`, { headers: { Cookie: cookies.ana! } });
    const rows = ((await res.json()) as { cases: Array<{ case_id: string; created_at: string; sla: { minutes: number; dueAt: string } }> }).cases;
    const sla = Object.fromEntries(rows.map((r) => [r.case_id, r.sla]));
    expect(sla[cases.other]!.minutes).toBe(30);
    expect(sla[cases.unverified]!.minutes).toBe(60);
    for (const r of rows) expect(Date.parse(r.sla.dueAt) - Date.parse(r.created_at)).toBe(r.sla.minutes * 60_000);
    expect((await view(cases.other)).sla).toEqual({ minutes: 30, dueAt: sla[cases.other]!.dueAt, priority: 'normal' });
  });

  it('counts an open case past its SLA as a breach on /metrics, and not once it is answered', async () => {
    // /metrics has every priority's series (the test database holds other suites' cases too, so the totals are theirs).
    expect(Number.isInteger(await breached('normal'))).toBe(true);
    expect(Number.isInteger(await breached('urgent'))).toBe(true);

    // The same breach query, exactly: our tenant's case is 31 minutes old, so a 30-minute SLA is breached and a
    // 60-minute one is not; every other case is counted the same under both, so the difference is our case alone.
    await db.pool.query(`UPDATE supervisor.cases SET created_at = now() - interval '31 minutes' WHERE case_id = ANY($1)`, [[cases.other, cases.shadow]]);
    const repo = new ConsoleRepository(db.pool);
    const normal = async (tenants: Record<string, { normal: number }>) => {
      const rows = await repo.slaCounts(slaRows(new SlaClock(SlaPolicySchema.parse({ tenants }), 60)), SLA_STOPPED);
      return rows.find((r) => r.urgency === 1)!;
    };
    const [tight, loose] = await Promise.all([normal({ [T.other]: { normal: 30 } }), normal({ [T.other]: { normal: 60 } })]);
    expect(tight.breached - loose.breached).toBe(1);
    expect(tight.open).toBe(loose.open);
    // The shadow case was answered (CLOSED): its clock stopped, whatever its age.
    const [closedTight, closedLoose] = await Promise.all([normal({ [T.shadow]: { normal: 1 } }), normal({ [T.shadow]: { normal: 600 } })]);
    expect(closedTight.breached - closedLoose.breached).toBe(0);
  });
});
