// The console's HTTP API: every endpoint, with good input, bad input and unauthorised callers.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints).
import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging } from '@switchboard/observability';
import { hashPassword } from '../src/auth/password';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, Db, listenSupervisor, METRICS_KEY, runId, supervisorConfig, ticketFor } from './support/harness';
import { happy, HAPPY, ScriptedAgents, waitFor, type Script } from './support/scripted-agents';

jest.setTimeout(90_000);

const run = runId();
const T = { approve: `cap-approve-${run}`, low: `cap-low-${run}`, happy: `cap-happy-${run}`, search: `cap-search-${run}`, assign: `cap-assign-${run}`, race: `cap-race-${run}` };
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 } });
const USERS = { ana: { password: 'ana-correct-horse-1', role: 'supervisor' }, vic: { password: 'vic-battery-staple-2', role: 'viewer' }, bob: { password: 'bob-tr0ub4dor-3', role: 'supervisor' } } as const;
const API_ACTOR = `api-key:${createHash('sha256').update(API_KEY).digest('hex').slice(0, 12)}`;
const XRW = { 'X-Requested-With': 'test' };

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
/** Cases of this suite are created after this instant (KPIs over this suite's cases only). */
let suiteStart: string;
const agents = new ScriptedAgents(BROKERS, `cap-agents-${run}`);
const gateway = new FakeGatewayAdmin();
const db = new Db();
const cookies: Record<string, string> = {};
const cases: Record<'held' | 'escalated' | 'resolved' | 'search' | 'assign' | 'race', string> = { held: '', escalated: '', resolved: '', search: '', assign: '', race: '' };
const REQUESTER = `dana.${run}@initech.example`;
const approvalId = `apr_cap_${run}`;

type Who = 'ana' | 'vic' | 'bob' | 'key' | 'anon';
async function call(who: Who, path: string, init: RequestInit & { csrf?: boolean } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(init.headers as Record<string, string>) };
  if (who === 'key') headers.Authorization = `Bearer ${API_KEY}`;
  if (who === 'ana' || who === 'vic' || who === 'bob') headers.Cookie = cookies[who]!;
  if ((who === 'ana' || who === 'vic' || who === 'bob' || who === 'anon') && init.method && init.method !== 'GET' && init.csrf !== false) Object.assign(headers, XRW);
  return fetch(`${baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
}
const json = async (res: Response) => (await res.json()) as any;

async function login(username: string, password: string, headers: Record<string, string> = XRW): Promise<Response> {
  return fetch(`${baseUrl}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
}

async function start(tenant: string, script: Script, over: Parameters<typeof ticketFor>[2] = {}): Promise<string> {
  agents.script(tenant, script);
  const ticket = ticketFor(tenant, undefined, over);
  await agents.publishTicket(ticket);
  return caseOf(ticket);
}
const settled = (caseId: string, status: string) => waitFor(`case ${caseId} to be ${status}`, async () => (await db.status(caseId)) === status);

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  suiteStart = new Date().toISOString();
  await agents.start();
  const users = await Promise.all(Object.entries(USERS).map(async ([username, u]) => ({ username, role: u.role, passwordHash: await hashPassword(u.password, { N: 1024, r: 8, p: 1 }) })));
  const config = supervisorConfig(`cap-${run}`, { SUPERVISOR_CONSOLE_USERS: JSON.stringify(users), SUPERVISOR_SESSION_SECRET: `cap-session-secret-${run}-0123456789abcdef`, SUPERVISOR_SESSION_TTL_SECONDS: '600' });
  ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: gateway }));

  const pending = { approvalId, tool: 'issue_refund', arguments: { tenantId: T.approve, invoiceId: 'inv_9', amount: 500 }, reason: 'refund over 100' };
  [cases.held, cases.escalated, cases.resolved] = await Promise.all([
    start(T.approve, { ...HAPPY, triage: () => happy.triage({ intent: 'refund', priority: 'urgent' }), resolver: (_t, n) => (n === 1 ? happy.resolver({ decision: 'needs_approval', pendingApproval: pending, actions: [] }) : happy.resolver()) }),
    start(T.low, { ...HAPPY, triage: () => happy.triage({ confidence: 0.5 }), resolver: () => happy.resolver({ decision: 'escalate', escalationReason: 'needs a human', draftReply: '', actions: [] }) }),
    start(T.happy, HAPPY),
  ]);
  const escalate: Script = { ...HAPPY, resolver: () => happy.resolver({ decision: 'escalate', escalationReason: 'needs a human', draftReply: '', actions: [] }) };
  [cases.search, cases.assign, cases.race] = await Promise.all([
    start(T.search, escalate, { externalId: `SRCH-${run}`, requester: { email: REQUESTER, name: 'Dana Scully' }, subject: `Export stuck (${run})`, body: 'The nightly CSV export has been stuck at 99 percent since Tuesday.' }),
    start(T.assign, escalate),
    start(T.race, escalate),
  ]);
  await Promise.all([settled(cases.held, 'AWAITING_APPROVAL'), settled(cases.escalated, 'ESCALATED'), settled(cases.resolved, 'RESOLVED'),
    ...[cases.search, cases.assign, cases.race].map((id) => settled(id, 'ESCALATED'))]);
  for (const [name, u] of Object.entries(USERS)) {
    const res = await login(name, u.password);
    expect(res.status).toBe(200);
    cookies[name] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
}, 300_000);

afterAll(async () => {
  await app?.close();
  await agents.stop();
  await db.end();
  await releaseLock?.();
});

describe('auth', () => {
  it('signs in with a signed HttpOnly SameSite=Strict cookie and says who you are', async () => {
    const res = await login('ana', USERS.ana.password);
    expect(await json(res)).toMatchObject({ userId: 'ana', role: 'supervisor' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sb_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(await json(await call('ana', '/v1/auth/me'))).toEqual({ userId: 'ana', role: 'supervisor', via: 'session', slaMinutes: 60 });
    expect(await json(await call('vic', '/v1/auth/me'))).toMatchObject({ userId: 'vic', role: 'viewer' });
    expect(await json(await call('key', '/v1/auth/me'))).toMatchObject({ userId: API_ACTOR, role: 'supervisor', via: 'api_key' });
  });

  it('refuses wrong passwords, unknown users, bad bodies and sign-ins without the CSRF header', async () => {
    expect((await login('ana', 'wrong-password')).status).toBe(401);
    expect((await login('nobody', 'whatever-password')).status).toBe(401);
    expect((await login('ana', USERS.ana.password, {})).status).toBe(403);
    const bad = await fetch(`${baseUrl}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...XRW }, body: '{"username":"ana"' });
    expect(bad.status).toBe(400);
    const extra = await fetch(`${baseUrl}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...XRW }, body: JSON.stringify({ username: 'ana', password: 'x', role: 'supervisor' }) });
    expect(extra.status).toBe(400);
  });

  it('rejects tampered, forged and missing sessions', async () => {
    const value = cookies.vic!.split('=')[1]!;
    const [body, mac] = value.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ u: 'vic', r: 'supervisor', exp: 9_999_999_999 })).toString('base64url');
    for (const cookie of [`sb_session=${forgedBody}.${mac}`, `sb_session=${body}.${mac}x`, 'sb_session=garbage', '']) {
      const res = await fetch(`${baseUrl}/v1/auth/me`, { headers: { Cookie: cookie } });
      expect(res.status).toBe(401);
    }
    expect((await call('anon', '/v1/auth/me')).status).toBe(401);
    expect((await fetch(`${baseUrl}/v1/auth/me`, { headers: { Authorization: 'Bearer not-a-real-key-at-all' } })).status).toBe(401);
  });

  it('signs out by clearing the cookie (and needs the CSRF header to do it)', async () => {
    expect((await call('anon', '/v1/auth/logout', { method: 'POST', csrf: false })).status).toBe(403);
    const res = await call('anon', '/v1/auth/logout', { method: 'POST' });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/sb_session=;.*Expires=Thu, 01 Jan 1970/i);
  });
});

describe('cases', () => {
  it('lists the inbox most urgent first, with filters, for any signed-in user or key; never anonymously', async () => {
    for (const who of ['ana', 'vic', 'key'] as const) {
      const { cases: list } = await json(await call(who, '/v1/cases?limit=500'));
      expect(list.map((c: any) => c.case_id)).toEqual(expect.arrayContaining([cases.held, cases.escalated]));
    }
    const { cases: urgent } = await json(await call('ana', '/v1/cases?limit=500'));
    expect(urgent[0].priority).toBe('urgent');
    const byTenant = await json(await call('ana', `/v1/cases?tenant=${T.low}`));
    expect(byTenant.cases.map((c: any) => c.case_id)).toEqual([cases.escalated]);
    expect(byTenant.cases[0]).toMatchObject({ tenant_id: T.low, region: 'us-east-1', escalation: { breaker: 'low_confidence' } });
    expect((await json(await call('ana', `/v1/cases?tenant=${T.low}&reason=low_confidence`))).cases).toHaveLength(1);
    expect((await json(await call('ana', `/v1/cases?tenant=${T.low}&reason=confidence%200.5`))).cases).toHaveLength(1);
    expect((await json(await call('ana', `/v1/cases?tenant=${T.low}&reason=%25`))).cases).toHaveLength(0);
    expect((await json(await call('ana', `/v1/cases?tenant=${T.approve}&intent=refund&region=us-east-1`))).cases.map((c: any) => c.case_id)).toEqual([cases.held]);
    expect((await json(await call('ana', `/v1/cases?tenant=${T.approve}&intent=dashboard_cache`))).cases).toHaveLength(0);
    expect((await json(await call('ana', `/v1/cases?status=RESOLVED&tenant=${T.happy}`))).cases.map((c: any) => c.case_id)).toEqual([cases.resolved]);

    expect((await call('anon', '/v1/cases')).status).toBe(401);
    for (const q of ['status=NOPE', 'limit=0', 'limit=501', 'limit=abc', 'colour=red', `tenant=${'x'.repeat(201)}`]) expect((await call('ana', `/v1/cases?${q}`)).status).toBe(400);
  });

  it('shows a case with its trace, approval, decisions and feedback; a handoff packet when escalated', async () => {
    const held = await json(await call('vic', `/v1/cases/${cases.held}`));
    expect(held).toMatchObject({ case_id: cases.held, status: 'AWAITING_APPROVAL', handoff: null, decisions: [], feedback: [], state: { approval: { approvalId, tool: 'issue_refund' } } });
    expect(held.trace.map((t: any) => `${t.kind}:${t.agent}`)).toEqual(expect.arrayContaining(['result:triage', 'result:retrieval', 'result:resolver']));
    expect(held.trace.find((t: any) => t.agent === 'resolver' && t.kind === 'result')).toMatchObject({ id: expect.stringMatching(/^\d+$/), input_tokens: 2000, output_tokens: 400, cost_usd: 0.01 });
    const escalated = await json(await call('key', `/v1/cases/${cases.escalated}`));
    expect(escalated.handoff).toMatchObject({ breaker: 'low_confidence', reason: expect.stringContaining('confidence'), suggestedNextStep: expect.any(String), findings: [expect.objectContaining({ agent: 'triage' })] });

    expect((await call('anon', `/v1/cases/${cases.held}`)).status).toBe(401);
    expect((await call('ana', '/v1/cases/not-a-case')).status).toBe(400);
    expect((await call('ana', '/v1/cases/case_000000000000000000000000')).status).toBe(404);
  });
});

describe('inbox: search, filters and keyset pages', () => {
  const list = async (who: Who, query: string) => json(await call(who, `/v1/cases?${query}`));
  const ids = (page: any) => page.cases.map((c: any) => c.case_id);

  it('finds a case by its requester (whole address or a prefix), its ids, subject or body words, and nothing for other words', async () => {
    expect(ids(await list('ana', `q=${encodeURIComponent(REQUESTER)}`))).toEqual([cases.search]);
    expect(ids(await list('vic', `q=dana.${run}`))).toEqual([cases.search]);
    expect(ids(await list('key', `q=${encodeURIComponent(`SRCH-${run}`)}`))).toEqual([cases.search]);
    expect(ids(await list('ana', `q=${cases.search}`))).toEqual([cases.search]);
    expect(ids(await list('ana', `q=${encodeURIComponent(`nightly csv ${run}`)}`))).toEqual([cases.search]);
    expect(ids(await list('ana', `q=scully&tenant=${T.search}`))).toEqual([cases.search]);
    expect(ids(await list('ana', `q=${encodeURIComponent(`needs a human scully ${run}`)}`))).toEqual([cases.search]);
    const first = (await list('ana', `q=${encodeURIComponent(REQUESTER)}`)).cases[0];
    expect(first).toMatchObject({ requester: REQUESTER, subject: `Export stuck (${run})`, tenant_id: T.search, assignee: null, priority: 'normal', urgency: 1 });
    expect(ids(await list('ana', `q=${encodeURIComponent(`nightly ${run} zebra`)}`))).toEqual([]);
    // Words a tsquery would read as operators are dropped; the rest is quoted: hostile input is just text.
    for (const q of ["'); DROP TABLE supervisor.cases; --", '!(a|b) & c:*', '\\', '<->']) expect((await call('ana', `/v1/cases?q=${encodeURIComponent(q)}`)).status).toBe(200);
    expect(ids(await list('ana', `q=low_confidence&tenant=${T.low}`))).toEqual([cases.escalated]);
  });

  it('pages in queue order with an opaque cursor: the pages put together are the first page of the same size', async () => {
    // This suite's own cases in the inbox (one held, four escalated) are enough: it must not depend on what suites
    // that ran before it left (on a fresh database, with this suite first, there are exactly five).
    const whole = await list('ana', 'limit=4');
    expect(whole.cases).toHaveLength(4);
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 2; i++) {
      const page: any = await list('ana', `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.cases).toHaveLength(2);
      paged.push(...ids(page));
      cursor = page.nextCursor;
      expect(cursor).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
    }
    expect(paged).toEqual(ids(whole));
    const urgencies = whole.cases.map((c: any) => c.urgency);
    expect([...urgencies].sort((a: number, b: number) => b - a)).toEqual(urgencies);
    expect((await list('ana', `tenant=${T.search}&limit=1`)).nextCursor).toBeNull();
  });

  it('narrows to given ids within the query (live updates), and refuses bad paging and search input with 400', async () => {
    expect(ids(await list('ana', `ids=${cases.held},${cases.resolved},${cases.search}`)).sort()).toEqual([cases.held, cases.search].sort());
    expect(ids(await list('ana', `ids=${cases.held},${cases.search}&q=${encodeURIComponent(REQUESTER)}`))).toEqual([cases.search]);
    const forged = Buffer.from(`1:1:${cases.held}' OR 1=1`).toString('base64url');
    for (const q of ['cursor=garbage', `cursor=${forged}`, 'ids=nope', `ids=${Array.from({ length: 101 }, () => cases.held).join(',')}`, `q=${'x'.repeat(201)}`, `assignee=${'x'.repeat(201)}`, 'ids=']) {
      const res = await call('ana', `/v1/cases?${q}`);
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ code: 'SUPERVISOR.BAD_REQUEST' });
    }
    expect((await call('anon', `/v1/cases?q=${encodeURIComponent(REQUESTER)}`)).status).toBe(401);
  });
});

describe('saved views', () => {
  const put = (who: Who, name: string, body: unknown, extra: { csrf?: boolean } = {}) => call(who, `/v1/views/${encodeURIComponent(name)}`, { method: 'PUT', body: JSON.stringify(body), ...extra });

  it('saves, lists (each user their own), replaces and deletes views; refuses bad names, bad queries and missing CSRF', async () => {
    expect((await put('ana', `Low confidence ${run}`, { query: { tenant: T.low, q: 'confidence', status: 'ESCALATED' } })).status).toBe(200);
    expect((await put('ana', `Low confidence ${run}`, { query: { tenant: T.low, assignee: 'me' } })).status).toBe(200);
    const mine = await json(await call('ana', '/v1/views'));
    expect(mine.views).toContainEqual(expect.objectContaining({ name: `Low confidence ${run}`, query: { tenant: T.low, assignee: 'me' } }));
    expect((await json(await call('vic', '/v1/views'))).views.map((v: any) => v.name)).not.toContain(`Low confidence ${run}`);

    for (const [name, body] of [['a/b', { query: {} }], ['x'.repeat(61), { query: {} }], ['ok', { query: { status: 'NOPE' } }], ['ok', { query: { cursor: 'x' } }], ['ok', { query: { q: 1 } }], ['ok', {}], ['ok', { query: {}, extra: 1 }]] as const) {
      expect((await put('ana', name, body)).status).toBe(400);
    }
    expect((await put('ana', 'ok', { query: {} }, { csrf: false })).status).toBe(403);
    expect((await call('anon', '/v1/views')).status).toBe(401);
    expect((await call('ana', `/v1/views/${encodeURIComponent(`Low confidence ${run}`)}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('ana', `/v1/views/${encodeURIComponent(`Low confidence ${run}`)}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('assignment', () => {
  const post = (who: Who, caseId: string, body: unknown) => call(who, `/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify(body) });
  const assignee = async (caseId: string) => (await db.caseRow(caseId))!.state.assignee as string | undefined;
  const row = async (who: Who, caseId: string) => (await json(await call(who, `/v1/cases?ids=${caseId}`))).cases[0];

  it('claim shows in the inbox; a second supervisor\'s claim is refused with who is on it; reassign and release; all in the decision log', async () => {
    expect((await post('vic', cases.assign, { command: 'claim' })).status).toBe(403);
    expect((await post('ana', cases.assign, { command: 'release' })).status).toBe(409);
    expect((await post('ana', cases.assign, { command: 'claim' })).status).toBe(202);
    await waitFor('ana to be on the case', async () => (await assignee(cases.assign)) === 'ana');
    expect(await row('vic', cases.assign)).toMatchObject({ assignee: 'ana', status: 'ESCALATED' });
    expect((await json(await call('ana', `/v1/cases?assignee=me&tenant=${T.assign}`))).cases.map((c: any) => c.case_id)).toEqual([cases.assign]);
    expect((await json(await call('bob', `/v1/cases?assignee=me&tenant=${T.assign}`))).cases).toEqual([]);
    expect((await json(await call('bob', `/v1/cases?assignee=none&tenant=${T.assign}`))).cases).toEqual([]);
    expect((await json(await call('bob', `/v1/cases?assignee=ana&tenant=${T.assign}`))).cases).toHaveLength(1);
    expect((await json(await call('bob', `/v1/cases?q=ana&tenant=${T.assign}`))).cases).toHaveLength(1);

    const second = await post('bob', cases.assign, { command: 'claim' });
    expect(second.status).toBe(409);
    expect(await json(second)).toMatchObject({ code: 'SUPERVISOR.ASSIGNED_TO_OTHER', assignee: 'ana', message: expect.stringContaining('ana is on this case') });
    expect((await post('ana', cases.assign, { command: 'claim' })).status).toBe(409);
    expect((await post('bob', cases.assign, { command: 'release' })).status).toBe(409);
    for (const body of [{ command: 'reassign' }, { command: 'reassign', to: '' }, { command: 'claim', to: 'bob' }]) expect((await post('bob', cases.assign, body)).status).toBe(400);
    for (const to of ['vic', 'nobody']) {
      const res = await post('bob', cases.assign, { command: 'reassign', to });
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ code: 'SUPERVISOR.UNKNOWN_ASSIGNEE' });
    }

    expect((await post('bob', cases.assign, { command: 'reassign', to: 'bob' })).status).toBe(202);
    await waitFor('bob to be on the case', async () => (await assignee(cases.assign)) === 'bob');
    expect((await post('bob', cases.assign, { command: 'release' })).status).toBe(202);
    await waitFor('nobody on the case', async () => (await assignee(cases.assign)) === undefined);
    expect(await row('ana', cases.assign)).toMatchObject({ assignee: null, status: 'ESCALATED' });

    const { rows } = await db.pool.query('SELECT actor_id, via, command, arguments FROM supervisor.decisions WHERE case_id = $1 ORDER BY id', [cases.assign]);
    expect(rows).toEqual([
      { actor_id: 'ana', via: 'session', command: 'claim', arguments: {} },
      { actor_id: 'bob', via: 'session', command: 'reassign', arguments: { to: 'bob' } },
      { actor_id: 'bob', via: 'session', command: 'release', arguments: {} },
    ]);
    const view = await json(await call('ana', `/v1/cases/${cases.assign}`));
    expect(view.trace.filter((t: any) => t.kind === 'event' && /assigned$/.test(t.data.event)).map((t: any) => t.data)).toEqual([
      { event: 'assigned', assignee: 'ana', from: null, how: 'claim', by: 'ana' },
      { event: 'assigned', assignee: 'bob', from: 'ana', how: 'reassign', by: 'bob' },
      { event: 'unassigned', assignee: null, from: 'bob', how: 'release', by: 'bob' },
    ]);
  });

  it('two claims racing for one case: exactly one supervisor gets it; the other is refused or ignored with the reason', async () => {
    const [a, b] = await Promise.all([post('ana', cases.race, { command: 'claim' }), post('bob', cases.race, { command: 'claim' })]);
    await waitFor('someone on the case', async () => (await assignee(cases.race)) !== undefined);
    const winner = (await assignee(cases.race))!;
    const loser = winner === 'ana' ? 'bob' : 'ana';
    const loserStatus = (loser === 'ana' ? a : b).status;
    expect((winner === 'ana' ? a : b).status).toBe(202);
    if (loserStatus === 202) {
      await waitFor('the second claim to be ignored', async () => {
        const view = await json(await call('ana', `/v1/cases/${cases.race}`));
        return view.trace.some((t: any) => t.data.event === 'command_ignored' && t.data.by === loser && t.data.why === `assigned to ${winner}`);
      });
    } else {
      expect(loserStatus).toBe(409);
    }
    expect(await assignee(cases.race)).toBe(winner);
  });
});

describe('commands', () => {
  const post = (who: Who, caseId: string, body: unknown, extra: { csrf?: boolean } = {}) =>
    call(who, `/v1/cases/${caseId}/commands`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), ...extra });

  it('refuses anonymous callers, viewers and cookie requests without the CSRF header; records nothing', async () => {
    expect((await post('anon', cases.held, { command: 'approve', approvalId })).status).toBe(401);
    const viewer = await post('vic', cases.held, { command: 'approve', approvalId });
    expect(viewer.status).toBe(403);
    expect(await json(viewer)).toMatchObject({ code: 'SUPERVISOR.FORBIDDEN' });
    for (const body of [{ command: 'reject', approvalId, reason: 'no' }, { command: 'take_over' }, { command: 'close' }, { command: 'rerun', hint: 'x' }]) {
      expect((await post('vic', cases.escalated, body)).status).toBe(403);
    }
    const csrf = await post('ana', cases.held, { command: 'approve', approvalId }, { csrf: false });
    expect(csrf.status).toBe(403);
    expect(await json(csrf)).toMatchObject({ code: 'SUPERVISOR.CSRF' });
    expect(await db.count('decisions', cases.held)).toBe(0);
    expect(await db.status(cases.held)).toBe('AWAITING_APPROVAL');
  });

  it('validates the body: unknown commands, missing fields, and `by` (it comes from the credentials)', async () => {
    for (const body of ['{"command":"explode"}', '{"command":"approve"}', '{"command":"reject","approvalId":"a"}', '{"command":"reject","approvalId":"a","reason":"  "}', 'not json', '[]',
      JSON.stringify({ command: 'approve', approvalId, by: { userId: 'mallory', role: 'supervisor' } }), JSON.stringify({ command: 'close', note: 'x'.repeat(4001) })]) {
      expect((await post('ana', cases.held, body)).status).toBe(400);
    }
    expect((await post('ana', 'case_000000000000000000000000', { command: 'take_over' })).status).toBe(404);
    expect((await post('ana', 'nope', { command: 'take_over' })).status).toBe(400);
  });

  it('answers 409 to a command that does not apply to the case as it is', async () => {
    expect((await post('ana', cases.held, { command: 'approve', approvalId: 'apr_other' })).status).toBe(409);
    expect((await post('ana', cases.held, { command: 'rerun' })).status).toBe(409);
    expect((await post('ana', cases.resolved, { command: 'close' })).status).toBe(409);
    expect((await post('ana', cases.escalated, { command: 'approve', approvalId })).status).toBe(409);
  });

  it('approve: attributed to the signed-in supervisor, audited with the exact call, sent through supervisor.commands', async () => {
    const res = await post('ana', cases.held, { command: 'approve', approvalId, comment: 'checked the invoice' });
    expect(res.status).toBe(202);
    const { messageId, decisionId } = await json(res);
    await settled(cases.held, 'RESOLVED');
    expect(gateway.calls).toContainEqual({ decision: 'approve', approvalId, by: 'ana' });
    const view = await json(await call('ana', `/v1/cases/${cases.held}`));
    expect(view.decisions).toEqual([expect.objectContaining({
      id: decisionId, actor_id: 'ana', actor_role: 'supervisor', via: 'session', command: 'approve', message_id: messageId,
      arguments: { approvalId, comment: 'checked the invoice', tool: 'issue_refund', toolArguments: { tenantId: T.approve, invoiceId: 'inv_9', amount: 500 } },
    })]);
    expect(view.trace.find((t: any) => t.kind === 'command').data.by).toEqual({ userId: 'ana', role: 'supervisor' });
    await expect(db.pool.query('UPDATE supervisor.decisions SET actor_id = $1 WHERE id = $2', ['mallory', decisionId])).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM supervisor.decisions WHERE id = $1', [decisionId])).rejects.toThrow(/append-only/);
  });

  it('take over, re-run with a hint and close, by session and by API key', async () => {
    expect((await post('ana', cases.escalated, { command: 'take_over' })).status).toBe(202);
    await waitFor('the assignee', async () => (await db.caseRow(cases.escalated))!.state.escalation?.assignee === 'ana');
    expect((await post('key', cases.escalated, { command: 'rerun', hint: 'the customer confirmed the intent' })).status).toBe(202);
    await waitFor('the re-run', async () => (await db.caseRow(cases.escalated))!.state.run === 2);
    await settled(cases.escalated, 'ESCALATED');
    expect((await post('key', cases.escalated, { command: 'close', note: 'answered by phone' })).status).toBe(202);
    await settled(cases.escalated, 'CLOSED');
    const { rows } = await db.pool.query('SELECT actor_id, via, command, arguments FROM supervisor.decisions WHERE case_id = $1 ORDER BY id', [cases.escalated]);
    expect(rows).toEqual([
      { actor_id: 'ana', via: 'session', command: 'take_over', arguments: {} },
      { actor_id: API_ACTOR, via: 'api_key', command: 'rerun', arguments: { hint: 'the customer confirmed the intent' } },
      { actor_id: API_ACTOR, via: 'api_key', command: 'close', arguments: { note: 'answered by phone' } },
    ]);
  });
});

describe('feedback', () => {
  let stepId: string;

  it('stores thumbs up/down on a step, the outcome or a note, from any signed-in user', async () => {
    const view = await json(await call('vic', `/v1/cases/${cases.resolved}`));
    stepId = view.trace.find((t: any) => t.kind === 'result' && t.agent === 'resolver').id;
    const post = (who: Who, body: unknown) => call(who, `/v1/cases/${cases.resolved}/feedback`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('vic', { target: { kind: 'step', ref: stepId }, rating: 'down', comment: 'should have checked the flag first, "really"' })).status).toBe(201);
    expect((await post('ana', { target: { kind: 'outcome', ref: '1' }, rating: 'up', comment: '=HYPERLINK("x")' })).status).toBe(201);
    expect((await post('key', { target: { kind: 'note' }, rating: 'up' })).status).toBe(201);
    const after = await json(await call('ana', `/v1/cases/${cases.resolved}`));
    expect(after.feedback).toEqual([
      expect.objectContaining({ target_kind: 'step', target_ref: stepId, rating: 'down', actor_id: 'vic', actor_role: 'viewer', subject: expect.objectContaining({ agent: 'resolver', traceKind: 'result', intent: 'dashboard_cache' }) }),
      expect.objectContaining({ target_kind: 'outcome', rating: 'up', actor_id: 'ana' }),
      expect.objectContaining({ target_kind: 'note', actor_id: API_ACTOR, comment: '' }),
    ]);
  });

  it('refuses bad feedback and anonymous callers', async () => {
    const post = (who: Who, body: unknown, caseId = cases.resolved, extra: { csrf?: boolean } = {}) => call(who, `/v1/cases/${caseId}/feedback`, { method: 'POST', body: JSON.stringify(body), ...extra });
    const good = { target: { kind: 'outcome' }, rating: 'up', comment: '' };
    expect((await post('anon', good)).status).toBe(401);
    expect((await post('vic', good, cases.resolved, { csrf: false })).status).toBe(403);
    for (const body of [{ ...good, rating: 'meh' }, { ...good, target: { kind: 'step' } }, { ...good, target: { kind: 'step', ref: 'abc' } }, { ...good, target: { kind: 'tool' } }, { ...good, comment: 'x'.repeat(4001) }, { ...good, extra: 1 }]) {
      expect((await post('ana', body)).status).toBe(400);
    }
    expect((await post('ana', { ...good, target: { kind: 'step', ref: '999999999999' } })).status).toBe(404);
    expect((await post('ana', good, 'case_000000000000000000000000')).status).toBe(404);
  });

  it('exports as JSON lines and as CSV (formula-safe), for a period', async () => {
    const jsonl = await call('ana', '/v1/feedback/export?format=jsonl');
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl.headers.get('content-disposition')).toMatch(/attachment; filename="feedback-\d{4}-\d{2}-\d{2}\.jsonl"/);
    const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.case_id === cases.resolved)).toHaveLength(3);
    expect(lines.find((l) => l.target_ref === stepId)).toMatchObject({ tenant_id: T.happy, intent: 'dashboard_cache', rating: 'down' });

    const csv = await call('key', '/v1/feedback/export?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('id,case_id,tenant_id,region,intent,mode,target_kind,target_ref,rating,comment,subject,actor_id,actor_role,at');
    expect(text).toContain('"should have checked the flag first, ""really"""');
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);

    const past = await json(await call('ana', '/v1/feedback/export?from=2020-01-01&to=2020-02-01').then((r) => r.text().then((t) => new Response(JSON.stringify({ t })))));
    expect(past.t).toBe('');
    expect((await call('anon', '/v1/feedback/export')).status).toBe(401);
    for (const q of ['format=xml', 'from=yesterday', 'from=2024-02-01&to=2024-01-01', 'from=2020-01-01&to=2024-01-01', 'x=1']) expect((await call('ana', `/v1/feedback/export?${q}`)).status).toBe(400);
  });
});

describe('KPIs and metrics', () => {
  it('computes KPIs per intent and per region over a period', async () => {
    const res = await json(await call('vic', '/v1/kpis?groupBy=intent'));
    expect(res.groupBy).toBe('intent');
    expect(res.overall.cases).toBeGreaterThanOrEqual(3);
    const refund = res.groups.find((g: any) => g.group === 'refund');
    expect(refund).toMatchObject({ approvals: expect.any(Number), approvalTurnaroundSeconds: expect.any(Number) });
    expect(res.escalationReasons).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'low_confidence' })]));
    // This suite's escalated case escalated twice: low confidence, then the resolver's own decision after the re-run;
    // the search and assignment cases once each, by the resolver's decision.
    const own = await json(await call('vic', `/v1/kpis?groupBy=none&from=${encodeURIComponent(suiteStart)}`));
    expect(own.escalationReasons).toEqual([{ reason: 'resolver_escalated', count: 4 }, { reason: 'low_confidence', count: 1 }]);
    const byRegion = await json(await call('key', '/v1/kpis?groupBy=region'));
    expect(byRegion.groups.map((g: any) => g.group)).toContain('us-east-1');
    const dash = res.groups.find((g: any) => g.group === 'dashboard_cache');
    expect(dash.resolved).toBeGreaterThanOrEqual(1);
    expect(dash.autoResolutionRate).toBeGreaterThan(0);
    expect(dash.mttrSeconds).toBeGreaterThanOrEqual(0);
    expect(dash.tokensPerCase).toBeGreaterThan(0);
    expect(dash.costUsdPerCase).toBeGreaterThan(0);

    // The trend: one group per UTC day of arrival, oldest first, adding up to the period; percentiles in order.
    const trend = await json(await call('ana', `/v1/kpis?groupBy=day&from=${encodeURIComponent(suiteStart)}`));
    const days = trend.groups.map((g: any) => g.group);
    expect(days).toEqual([...days].sort());
    for (const d of days) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(trend.groups.reduce((n: number, g: any) => n + g.cases, 0)).toBe(own.overall.cases);
    const withResolved = trend.groups.find((g: any) => g.resolved > 0);
    expect(withResolved.ttrP50Seconds).toBeGreaterThanOrEqual(0);
    expect(withResolved.ttrP90Seconds).toBeGreaterThanOrEqual(withResolved.ttrP50Seconds);
    // Its drill-down: the inbox narrowed to the cases that arrived in a period, any status.
    const all = 'RECEIVED,TRIAGED,CONTEXT_READY,RESOLVING,VERIFYING,AWAITING_APPROVAL,ESCALATED,FAILED,RESOLVED,CLOSED';
    const arrived = await json(await call('ana', `/v1/cases?status=${all}&limit=500&createdFrom=${encodeURIComponent(suiteStart)}&createdTo=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`));
    expect(arrived.cases.length).toBeGreaterThan(0);
    for (const c of arrived.cases) expect(Date.parse(c.created_at)).toBeGreaterThanOrEqual(Date.parse(suiteStart));
    expect((await json(await call('ana', `/v1/cases?status=${all}&createdTo=2020-01-01`))).cases).toEqual([]);
    expect((await call('ana', '/v1/cases?createdFrom=nope')).status).toBe(400);
    // A KPI's own cases: the period narrowed to outcome tiers (the escalated ones, the verified resolutions).
    const period = `status=${all}&limit=500&createdFrom=${encodeURIComponent(suiteStart)}`;
    for (const tiers of [['escalated'], ['verified_autonomous', 'resolved_after_approval']]) {
      const listed = await json(await call('ana', `/v1/cases?${period}&tier=${tiers.join(',')}`));
      const { rows } = await db.pool.query(`SELECT case_id FROM supervisor.cases WHERE created_at >= $1 AND state->>'tier' = ANY($2::text[]) ORDER BY case_id`, [suiteStart, tiers]);
      expect(rows.length).toBeGreaterThan(0);
      expect(listed.cases.map((c: any) => c.case_id).sort()).toEqual(rows.map((r) => r.case_id).sort());
    }
    for (const bad of ['tier=', 'tier=resolved', 'tier=escalated,nope']) expect((await call('ana', `/v1/cases?${bad}`)).status).toBe(400);

    const empty = await json(await call('ana', '/v1/kpis?from=2020-01-01&to=2020-01-02&groupBy=none'));
    expect(empty).toMatchObject({ overall: { cases: 0, autoResolutionRate: null }, groups: [], escalationReasons: [] });
    expect((await call('anon', '/v1/kpis')).status).toBe(401);
    for (const q of ['groupBy=tenant', 'from=nope', 'from=2024-01-02&to=2024-01-01', 'limit=3']) expect((await call('ana', `/v1/kpis?${q}`)).status).toBe(400);
  });

  it('keeps each case\'s KPI facts equal to what its trace and transitions say (the KPI query reads only the facts)', async () => {
    // The definitions the KPI query applied to the trace and transitions before migration 027, recomputed here from
    // the rows this suite's cases wrote, against the facts apply_transition kept on each case as the events came.
    const reference = `
      WITH c AS (SELECT case_id FROM supervisor.cases WHERE created_at >= $1),
      u AS (SELECT t.case_id, SUM(COALESCE(t.input_tokens, 0) + COALESCE(t.output_tokens, 0))::bigint AS tokens, SUM(COALESCE(t.cost_usd, 0)) AS cost,
                   bool_or(t.kind = 'command') AS human FROM supervisor.trace t JOIN c USING (case_id) GROUP BY 1),
      m AS (SELECT x.case_id, MIN(x.at) FILTER (WHERE x.to_status = 'RESOLVED') AS resolved_at, bool_or(x.to_status = 'ESCALATED') AS escalated,
                   count(*) FILTER (WHERE x.to_status = 'AWAITING_APPROVAL' AND x.next_at IS NOT NULL)::int AS approvals,
                   COALESCE(SUM(EXTRACT(EPOCH FROM (x.next_at - x.at))) FILTER (WHERE x.to_status = 'AWAITING_APPROVAL' AND x.next_at IS NOT NULL), 0)::float8 AS secs,
                   MAX(x.at) FILTER (WHERE x.to_status = 'AWAITING_APPROVAL' AND x.next_at IS NULL) AS open_since
              FROM (SELECT tr.case_id, tr.to_status, tr.at, LEAD(tr.at) OVER (PARTITION BY tr.case_id ORDER BY tr.id) AS next_at
                      FROM supervisor.transitions tr JOIN c USING (case_id)) x GROUP BY 1)
      SELECT c.case_id, COALESCE(u.tokens, 0)::text AS tokens, COALESCE(u.cost, 0)::numeric(14, 6)::text AS cost, COALESCE(u.human, false) AS human,
             m.resolved_at, COALESCE(m.escalated, false) AS escalated, COALESCE(m.approvals, 0) AS approvals, round(COALESCE(m.secs, 0)::numeric, 3)::text AS secs, m.open_since
        FROM c LEFT JOIN u USING (case_id) LEFT JOIN m USING (case_id) ORDER BY 1`;
    const facts = `
      SELECT case_id, tokens::text AS tokens, cost_usd::text AS cost, human_touched AS human, resolved_at, escalated, approvals,
             round(approval_seconds::numeric, 3)::text AS secs, awaiting_approval_since AS open_since
        FROM supervisor.cases WHERE created_at >= $1 ORDER BY 1`;
    // One snapshot for both reads: a case still moving cannot change between them.
    const client = await db.pool.connect();
    let expected, kept;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      expected = await client.query(reference, [suiteStart]);
      kept = await client.query(facts, [suiteStart]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(kept.rows.length).toBeGreaterThanOrEqual(6);
    expect(kept.rows).toEqual(expected.rows);
    // The suite's cases cover what the facts count: a closed approval hold, a human command, an escalation, tokens.
    expect(kept.rows.some((r) => r.approvals > 0)).toBe(true);
    expect(kept.rows.some((r) => r.human)).toBe(true);
    expect(kept.rows.some((r) => r.escalated)).toBe(true);
    expect(kept.rows.some((r) => r.resolved_at !== null && Number(r.tokens) > 0)).toBe(true);
  });

  it('exposes the same figures on /metrics as aggregates, with no case data', async () => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    const res = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of ['switchboard_supervisor_cases{status="RESOLVED"}', 'switchboard_supervisor_kpi_cases{window="24h",group_by="intent",group="refund"}', 'switchboard_supervisor_kpi_mttr_seconds',
      'switchboard_supervisor_kpi_auto_resolution_ratio', 'switchboard_supervisor_kpi_escalation_ratio', 'switchboard_supervisor_kpi_approval_turnaround_seconds',
      'switchboard_supervisor_kpi_cost_usd_per_case', 'switchboard_supervisor_kpi_tokens_per_case', 'switchboard_supervisor_kpi_escalations{window="24h",reason="low_confidence"}',
      'switchboard_supervisor_decisions_total{command="approve"}']) {
      expect(text).toContain(name);
    }
    for (const secret of [cases.held, T.approve, 'ana', 'case_']) expect(text).not.toContain(secret);
  });
});

describe('live events', () => {
  it('streams case changes to a signed-in browser and refuses anonymous listeners', async () => {
    expect((await call('anon', '/v1/events')).status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}/v1/events`, { headers: { Cookie: cookies.vic! }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let received = '';
    const caseId = await start(`cap-live-${run}`, HAPPY);
    try {
      await waitFor('the case change event', async () => {
        const { value } = await reader.read();
        received += Buffer.from(value ?? new Uint8Array()).toString('utf8');
        return received.includes(`"caseId":"${caseId}"`) && received.includes('"status":"RESOLVED"');
      }, 30_000);
    } finally {
      controller.abort();
    }
    expect(received).toMatch(/event: case\ndata: \{"caseId":"/);
  });
});

describe('console and API description', () => {
  it('serves the console with a strict content security policy, and redirects / to it', async () => {
    const res = await fetch(`${baseUrl}/console/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<script type="module" src="/console/app.js">');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${baseUrl}/console/app.js`)).headers.get('content-type')).toContain('javascript');
    const root = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
  });

  it('serves the OpenAPI description', async () => {
    const res = await fetch(`${baseUrl}/v1/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^openapi: 3\.1/m);
  });
});
