// The supervisor's trust boundaries (issue 16): only signed commands act, tickets are placed by the tenant registry and
// stored with credentials redacted, console sign-in is throttled, /metrics needs its key and is cached.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay, sign-in throttle
// table. Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints).
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { deadLetterTopic, DeadLetterSchema, type DeadLetter, type Envelope, type SupervisorCommand } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { parseTenantRegistry } from '@switchboard/tenancy';
import { hashPassword } from '../src/auth/password';
import { CommandKeysSchema, CommandSignatures } from '../src/commands/command-signature';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, COMMAND_KEY, Db, listenSupervisor, runId, supervisorConfig, testCommandSignatures, ticketFor } from './support/harness';
import { happy, HAPPY, ScriptedAgents, TopicRecorder, waitFor, type Script } from './support/scripted-agents';

jest.setTimeout(120_000);

const run = runId();
const T = { held: `sec-held-${run}`, secret: `sec-secret-${run}`, far: `sec-far-${run}` };
const EU = `sec-eu-${run}`;
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 60_000 } });
// This suite's registry: EU lives in eu-sovereign, FAR in a region this deployment does not serve; anyone else in us-east-1.
const registry = parseTenantRegistry(`
version: 1
unknownTenant: default-region
defaultRegion: us-east-1
regionMismatch: correct
tenants:
  ${EU}: { region: eu-sovereign }
  ${T.far}: { region: ap-south-1 }
`, ['us-east-1', 'eu-sovereign']);
const USER = { username: `sec-ana-${run}`, password: 'sec-ana-correct-horse-1' };
const METRICS_KEY = `sec-metrics-key-${run}-0123456789`;
const LIMITS = { user: 3, ip: 6 };

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
let dlq: Consumer;
const letters: DeadLetter[] = [];
const agents = new ScriptedAgents(BROKERS, `sec-agents-${run}`);
const recorder = new TopicRecorder(BROKERS, `sec-recorder-${run}`, ['agent.triage.tasks']);
const gateway = new FakeGatewayAdmin();
const db = new Db();

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${baseUrl}${path}`, { ...init, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}`, ...(init.headers as Record<string, string>) } });
const settled = (caseId: string, status: string) => waitFor(`case ${caseId} to be ${status}`, async () => (await db.status(caseId)) === status, 60_000);
const letterFor = (predicate: (l: DeadLetter) => boolean, what: string) => waitFor(`dead letter: ${what}`, () => letters.find(predicate), 30_000);
// Other suites dead-letter poison on the same topics (bytes that are not JSON at all): those letters are not ours.
const bodyOf = (l: DeadLetter): Record<string, any> => {
  try {
    return JSON.parse(Buffer.from(l.originalValueBase64, 'base64').toString('utf8')) as Record<string, any>;
  } catch {
    return {};
  }
};

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await Promise.all([agents.start(), recorder.start()]);
  const users = [{ username: USER.username, role: 'supervisor', passwordHash: await hashPassword(USER.password, { N: 1024, r: 8, p: 1 }) }];
  const config = supervisorConfig(`sec-${run}`, {
    SUPERVISOR_CONSOLE_USERS: JSON.stringify(users), SUPERVISOR_SESSION_SECRET: `sec-session-secret-${run}-0123456789abcdef`,
    SUPERVISOR_LOGIN_MAX_FAILURES_PER_USER: String(LIMITS.user), SUPERVISOR_LOGIN_MAX_FAILURES_PER_IP: String(LIMITS.ip), SUPERVISOR_LOGIN_LOCKOUT_SECONDS: '600',
    // Sign-in throttling counts the client address a trusted proxy reports, so this suite can be many clients.
    SUPERVISOR_TRUST_PROXY_HOPS: '1', SUPERVISOR_METRICS_KEY: METRICS_KEY, SUPERVISOR_METRICS_CACHE_SECONDS: '600',
    SUPERVISOR_COMMAND_MAX_AGE_SECONDS: '300',
  });
  ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: gateway, tenants: registry }, ['tickets.ingress', 'agent.results', 'supervisor.commands']));
  dlq = new Kafka({ clientId: 'sec-dlq', brokers: BROKERS, logLevel: logLevel.NOTHING }).consumer({ groupId: `sec-dlq-${run}` });
  await dlq.connect();
  await dlq.subscribe({ topics: [deadLetterTopic('supervisor.commands'), deadLetterTopic('tickets.ingress')], fromBeginning: true });
  await dlq.run({ eachMessage: async ({ message }) => void letters.push(DeadLetterSchema.parse(JSON.parse(message.value!.toString()))) });
}, 300_000);

afterAll(async () => {
  await dlq?.disconnect();
  await app?.close();
  await Promise.all([agents.stop(), recorder.stop()]);
  await db.end();
  await releaseLock?.();
});

describe('supervisor.commands: only signed commands act', () => {
  const approvalId = `apr_sec_${run}`;
  let caseId: string;
  const approve = (over: Partial<Envelope<SupervisorCommand>> = {}): Envelope<SupervisorCommand> => ({
    ...agents.kafkaBus.envelope('supervisor.commands', { command: 'approve', approvalId, by: { userId: 'mallory', role: 'supervisor' } }, {
      caseId, tenantId: T.held, region: 'us-east-1', correlationId: caseId, causationId: null,
    }),
    ...over,
  });

  beforeAll(async () => {
    const script: Script = {
      ...HAPPY,
      resolver: (_t, n) => (n === 1
        ? happy.resolver({ decision: 'needs_approval', pendingApproval: { approvalId, tool: 'issue_refund', arguments: { amount: 900 }, reason: 'over the threshold' }, actions: [] })
        : happy.resolver()),
    };
    agents.script(T.held, script);
    const ticket = ticketFor(T.held);
    caseId = caseOf(ticket);
    await agents.publishTicket(ticket);
    await settled(caseId, 'AWAITING_APPROVAL');
  });

  it.each([
    ['unsigned', () => ({}), 'SUPERVISOR.COMMAND_UNSIGNED'],
    ['signed with a key the supervisor does not hold', (e: Envelope<SupervisorCommand>) => new CommandSignatures(CommandKeysSchema.parse(`${COMMAND_KEY.id}:not-the-real-command-key-0123456789abcdef`), 300).sign(e), 'SUPERVISOR.COMMAND_FORGED'],
    ['signed by an unknown publisher', (e: Envelope<SupervisorCommand>) => new CommandSignatures(CommandKeysSchema.parse(`intruder:intruder-command-key-0123456789abcdef0`), 300).sign(e), 'SUPERVISOR.COMMAND_UNKNOWN_KEY'],
    ['expired (signed an hour ago)', (e: Envelope<SupervisorCommand>) => new CommandSignatures([COMMAND_KEY], 300, () => Date.now() - 3600_000).sign(e), 'SUPERVISOR.COMMAND_EXPIRED'],
  ])('an approve command %s is dead-lettered with its reason and changes nothing', async (_what, sign, code) => {
    const envelope = approve();
    await recorder.publishCommand(envelope, sign(envelope));
    const letter = await letterFor((l) => bodyOf(l).id === envelope.id, code);
    expect(letter.reason.code).toBe(code);
    expect(letter.originalTopic).toBe('supervisor.commands');
    expect(await db.status(caseId)).toBe('AWAITING_APPROVAL');
    expect(gateway.calls).toEqual([]);
    expect(await db.count('transitions', caseId)).toBe(4);
  });

  it('a valid signature copied onto another command (another approval, case or envelope id) does not verify', async () => {
    const genuine = approve({ payload: { command: 'approve', approvalId: `apr_other_${run}`, by: { userId: 'ana', role: 'supervisor' } } });
    const stolen = testCommandSignatures.sign(genuine);
    const forged = approve();
    await recorder.publishCommand(forged, stolen);
    expect((await letterFor((l) => bodyOf(l).id === forged.id, 'moved signature')).reason.code).toBe('SUPERVISOR.COMMAND_FORGED');
    expect(await db.status(caseId)).toBe('AWAITING_APPROVAL');
    expect(gateway.calls).toEqual([]);
  });

  it('the console API signs what it publishes: the same approval sent through it resumes the case', async () => {
    const res = await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'approve', approvalId }) });
    expect(res.status).toBe(202);
    await settled(caseId, 'RESOLVED');
    expect(gateway.calls).toEqual([expect.objectContaining({ decision: 'approve', approvalId })]);
    const { rows } = await db.pool.query(`SELECT headers FROM outbox WHERE topic = 'supervisor.commands' AND value::jsonb->>'caseId' = $1`, [caseId]);
    expect(rows[0].headers['switchboard-command-signature']).toMatch(/^v1,kid=test-console,t=\d+,sig=[A-Za-z0-9_-]{43}$/);
  });
});

describe('tickets: region from the tenant registry, credentials redacted', () => {
  it('stores and serves a ticket with its credentials redacted: case API, database and the triage task never hold them', async () => {
    agents.script(T.secret, HAPPY);
    const ticket = ticketFor(T.secret, `SEC-${run}`, {
      subject: 'Locked out - my password is hunter2',
      body: 'I cannot sign in. Mein Passwort lautet Sommer2024! and our API key is sk_live_4eC39HqLyjWDarjtT1zdp7dc. -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----',
      requester: { email: 'ops@example.com', name: 'Ops (pw: Tr0ub4dor&3)' },
    });
    const caseId = caseOf(ticket);
    await agents.publishTicket(ticket);
    await settled(caseId, 'RESOLVED');
    const secrets = ['hunter2', 'Sommer2024', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'MIIEvQIBADANBgkq', 'Tr0ub4dor'];
    const view = await (await api(`/v1/cases/${caseId}`)).text();
    const row = JSON.stringify((await db.pool.query('SELECT ticket FROM supervisor.cases WHERE case_id = $1', [caseId])).rows[0]);
    const task = JSON.stringify(agents.tasks(caseId, 'triage')[0]!.payload);
    const list = await (await api(`/v1/cases?status=RESOLVED&tenant=${T.secret}`)).text();
    for (const text of [view, row, task, list]) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.parse(view).ticket.subject).toBe('Locked out - my password is [REDACTED:password]');
  });

  it('places a ticket that claims another region in its tenant region: the case and every task carry eu-sovereign', async () => {
    agents.script(EU, HAPPY);
    const ticket = ticketFor(EU, `SEC-EU-${run}`, { region: 'us-east-1' });
    const caseId = caseOf(ticket);
    await agents.publishTicket(ticket);
    await settled(caseId, 'RESOLVED');
    expect((await db.pool.query('SELECT region, ticket->>\'region\' AS claimed FROM supervisor.cases WHERE case_id = $1', [caseId])).rows[0]).toEqual({ region: 'eu-sovereign', claimed: 'eu-sovereign' });
    const triage = await waitFor('the triage task envelope', () => recorder.messages.find((m) => m.topic === 'agent.triage.tasks' && m.envelope.caseId === caseId));
    expect(triage.envelope.region).toBe('eu-sovereign');
  });

  it('dead-letters a ticket of a tenant whose region this deployment does not serve, and opens no case', async () => {
    const ticket = ticketFor(T.far, `SEC-FAR-${run}`);
    await agents.publishTicket(ticket);
    const letter = await letterFor((l) => l.originalTopic === 'tickets.ingress' && bodyOf(l).externalId === ticket.externalId, 'unserved region');
    expect(letter.reason).toMatchObject({ code: 'TENANT.REGION_NOT_SERVED', message: expect.stringContaining('ap-south-1') });
    expect(await db.caseRow(caseOf(ticket))).toBeUndefined();
  });
});

describe('console hardening', () => {
  let client = 0;
  /** A sign-in from a client address of its own (X-Forwarded-For, trusted one hop). */
  const login = (username: string, password: string, ip: string) =>
    fetch(`${baseUrl}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'test', 'X-Forwarded-For': ip }, body: JSON.stringify({ username, password }) });
  const newIp = () => `198.51.100.${(++client % 250) + 1}`;

  it('locks a username after its failures, for the right password too and from any address; other users are unaffected', async () => {
    const ok = await login(USER.username, USER.password, newIp());
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    for (let i = 0; i < LIMITS.user; i++) expect((await login(USER.username, `wrong-${i}`, newIp())).status).toBe(401);
    const locked = await login(USER.username, USER.password, newIp());
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await locked.json()).toMatchObject({ code: 'SUPERVISOR.SIGN_IN_LOCKED', message: expect.stringContaining('this username') });
    expect((await login(`sec-nobody-${run}`, 'whatever-password', newIp())).status).toBe(401);
  });

  it('locks an address that fails for many usernames, and only that address', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < LIMITS.ip; i++) expect((await login(`sec-guess-${run}-${i}`, 'guess', ip)).status).toBe(401);
    const locked = await login(`sec-guess-${run}-next`, 'guess', ip);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ message: expect.stringContaining('this address') });
    expect((await login(`sec-guess-${run}-next`, 'guess', newIp())).status).toBe(401);
  });

  it('keeps the lock in Postgres, where every replica sees it', async () => {
    const { rows } = await db.pool.query(`SELECT key, points FROM supervisor.login_throttle WHERE key = $1`, [`login_user:${USER.username.toLowerCase()}`]);
    expect(rows[0].points).toBeGreaterThan(LIMITS.user);
  });

  it('serves /metrics only with its key, and reuses one render instead of running the KPI queries per scrape', async () => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${API_KEY}` } })).status).toBe(401);
    const scrape = () => fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } });
    const first = await scrape();
    expect(first.status).toBe(200);
    // The KPI part is the cached render; the process and bus metrics after it are live.
    const kpis = (body: string) => body.split('\n').filter((l) => l.includes('switchboard_supervisor_')).join('\n');
    const text = kpis(await first.text());
    expect(text).toContain('switchboard_supervisor_cases');
    // A case that changes status after the first render does not show until the cache period ends: no SQL ran.
    const ticket = ticketFor(`sec-metrics-${run}`);
    agents.script(ticket.tenantId, HAPPY);
    await agents.publishTicket(ticket);
    await settled(caseOf(ticket), 'RESOLVED');
    expect(kpis(await (await scrape()).text())).toBe(text);
  });

});
