// The whole loop on the real broker and database: Zendesk ticket → tickets.ingress → the supervisor (in process) and
// the four agents (ScriptedAgents, a named double on the real broker) → replies / notes / outcomes → the helpdesk
// connector (in process) → the reference Zendesk over HTTP → tickets.deliveries → back on the case; and Zendesk's
// webhooks (reopen, customer reply, rating) → tickets.signals → the case, its trace, the API and the KPIs.
// The console part drives the supervisor console in headless Debian Chromium (playwright-core).
// Doubles: ScriptedAgents, FakeGatewayAdmin (the gateway's approval endpoints). Everything else is real.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chromium, type Browser } from 'playwright-core';
import { caseIdFor } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { hashPassword } from '../../supervisor/src/auth/password';
import { PolicySchema } from '../../supervisor/src/policy/policy.schema';
import { createSupervisorApp } from '../../supervisor/src/supervisor.app';
import { FakeGatewayAdmin } from '../../supervisor/test/support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, Db, supervisorConfig } from '../../supervisor/test/support/harness';
import { happy, HAPPY, ScriptedAgents, waitFor, type Script } from '../../supervisor/test/support/scripted-agents';
import { deliveryIdFor } from '../src/delivery/delivery-id';
import { createHelpdeskApp } from '../src/helpdesk.app';
import { HELPDESK_TOPICS } from '../src/helpdesk.handler';
import { parseRouting } from '../src/routing/routing.loader';
import { BROKERS, helpdeskConfig, primeGroupAtEnd, RawRecorder, runId, ticketEvent, ZD } from './support/harness';
import { ReferenceZendesk } from './support/reference-zendesk';

jest.setTimeout(180_000);

const run = runId();
const T = Object.fromEntries(['auto', 'shadow', 'assist', 'escalate', 'deleted', 'closed', 'reopen', 'assigned', 'console', 'edited'].map((n) => [n, `loop-${n}-${run}`])) as Record<string, string>;
const INTENT = `loop_intent_${run.replace(/-/g, '')}`;
const policy = PolicySchema.parse({
  version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 },
  overrides: [{ tenant: T.shadow, mode: 'shadow' }, { tenant: T.assist, mode: 'assist' }],
});
const routing = parseRouting(`
version: 1
reply: { status: solved }
escalation:
  default: { group: 100, tags: [switchboard_escalated] }
  routes:
    - when: { reason: unverified }
      group: 700
      tags: [verification_failed]
      priority: high
`);

const zendesk = new ReferenceZendesk({ email: ZD.email, apiToken: ZD.token });
const agents = new ScriptedAgents(BROKERS, `loop-agents-${run}`);
const recorder = new RawRecorder(`loop-recorder-${run}`, ['tickets.replies.dlq']);
const gateway = new FakeGatewayAdmin();
const db = new Db();
let releaseLock: () => Promise<void>;
let supervisor: NestExpressApplication;
let helpdesk: NestExpressApplication;
let supervisorUrl: string;
let browser: Browser | undefined;
let profileDir: string | undefined;
const CHROMIUM = '/usr/bin/chromium';
const USER = { username: 'ana', password: 'ana-correct-horse-1' };

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await zendesk.start();
  await agents.start();
  await recorder.start();
  const users = [{ username: USER.username, role: 'supervisor', passwordHash: await hashPassword(USER.password, { N: 1024, r: 8, p: 1 }) }];
  const sv = supervisorConfig(`loop-sv-${run}`, { SUPERVISOR_CONSOLE_USERS: JSON.stringify(users), SUPERVISOR_SESSION_SECRET: `loop-session-secret-${run}-0123456789abcdef` });
  await primeGroupAtEnd(sv.SUPERVISOR_GROUP_ID, ['tickets.ingress', 'agent.results', 'supervisor.commands', 'tickets.deliveries', 'tickets.signals']);
  supervisor = await createSupervisorApp(sv, { policy, gatewayAdmin: gateway });
  await supervisor.listen(0, '127.0.0.1');
  supervisorUrl = (await supervisor.getUrl()).replace('[::1]', '127.0.0.1');
  const hd = helpdeskConfig(`loop-hd-${run}`, zendesk.url);
  await primeGroupAtEnd(hd.HELPDESK_GROUP_ID, HELPDESK_TOPICS);
  helpdesk = await createHelpdeskApp(hd, { routing });
  await helpdesk.listen(0, '127.0.0.1');
  zendesk.setSignalTarget(`${(await helpdesk.getUrl()).replace('[::1]', '127.0.0.1')}/webhooks/zendesk`, ZD.signalSecret);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await helpdesk?.close();
  await supervisor?.close();
  await Promise.all([agents.stop(), recorder.stop(), zendesk.stop()]);
  await db.end();
  await releaseLock?.();
});

const api = async <T = Record<string, any>>(path: string, init: RequestInit = {}) => {
  const res = await fetch(`${supervisorUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...init.headers } });
  return { status: res.status, body: (await res.json()) as T };
};

/** A ticket in the reference Zendesk, sent to Switchboard as a Zendesk ticket of `tenant`, worked by `script`. */
async function startCase(tenant: string, script: Script) {
  agents.script(tenant, script);
  const z = zendesk.createTicket({ subject: `Dashboard blank (${tenant})`, description: 'Since the new dashboard flag was switched on our dashboard is blank.', requester: { email: 'ops@example.com' }, organization: tenant });
  const t = ticketEvent(tenant, String(z.id));
  await agents.publishTicket(t);
  const caseId = caseIdFor(t);
  return { z, t, caseId };
}

const settled = (caseId: string, status: string) => waitFor(`case ${caseId} to be ${status}`, async () => (await db.status(caseId)) === status, 30_000);
const helpdeskState = async (caseId: string) => ((await db.caseRow(caseId))!.state.helpdesk ?? undefined) as Record<string, any> | undefined;
const deliveryState = (caseId: string, kind: string, status: string) =>
  waitFor(`the ${kind} of ${caseId} to be ${status} on the case`, async () => {
    const h = await helpdeskState(caseId);
    return Object.values((h?.deliveries ?? {}) as Record<string, { kind: string; status: string }>).some((d) => d.kind === kind && d.status === status) && h;
  }, 30_000);
const SCRIPTED = (tenant: string): Script => ({ ...HAPPY, triage: () => happy.triage({ intent: INTENT }), resolver: () => happy.resolver({ actions: [{ toolCallId: 'call_1', tool: 'flush_cache', arguments: { tenantId: tenant }, executed: true }] }) });

const SHOTS = join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

/** A signed-in console page in headless Chromium (one browser for the file, a fresh context per page). */
async function consolePage() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (scripts/setup installs it)`);
  mkdirSync(SHOTS, { recursive: true });
  if (!browser) {
    profileDir = mkdtempSync(join(tmpdir(), 'hd-console-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--disk-cache-dir=${profileDir}`] });
  }
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await page.goto(`${supervisorUrl}/console/`);
  await page.fill('#username', USER.username);
  await page.fill('#password', USER.password);
  await page.click('#sign-in');
  await page.waitForSelector('#inbox');
  return page;
}

describe('the loop through the helpdesk', () => {
  it('a resolved case yields one public comment and the configured status, and the case shows where and that it landed', async () => {
    const { z, caseId } = await startCase(T.auto, SCRIPTED(T.auto));
    await settled(caseId, 'RESOLVED');
    const h = await deliveryState(caseId, 'reply', 'delivered');

    expect(zendesk.agentComments(z.id)).toEqual([expect.objectContaining({ public: true, body: 'We flushed your dashboard cache; please reload the page.' })]);
    expect(zendesk.tickets.get(z.id)!.status).toBe('solved');
    expect(h).toMatchObject({ ticketUrl: `${zendesk.url}/agent/tickets/${z.id}`, helpdeskTicketId: String(z.id), undelivered: 0 });
    const view = await api(`/v1/cases/${caseId}`);
    expect(view.body.state.helpdesk.deliveries[deliveryIdFor(caseId, 1, 'reply')]).toMatchObject({ kind: 'reply', run: 1, target: 'zendesk', status: 'delivered', attempts: 1 });
    expect(view.body.trace.filter((r: { data: { event?: string } }) => r.data.event === 'helpdesk_delivered')).toHaveLength(1);
    expect(view.body.status).toBe('RESOLVED'); // recorded, never a status change
  });

  it('shadow and assist yield one private note each; assist is also routed, shadow is not', async () => {
    const shadow = await startCase(T.shadow, { ...HAPPY, resolver: () => happy.resolver({ actions: [{ toolCallId: 'c1', tool: 'flush_cache', arguments: { tenantId: T.shadow }, executed: false }] }) });
    const assist = await startCase(T.assist, HAPPY);
    await deliveryState(shadow.caseId, 'note', 'delivered');
    await deliveryState(assist.caseId, 'escalation', 'delivered');
    await deliveryState(assist.caseId, 'note', 'delivered');

    expect(zendesk.agentComments(shadow.z.id)).toEqual([expect.objectContaining({ public: false, body: expect.stringContaining(`• flush_cache {"tenantId":"${T.shadow}"}`) })]);
    expect(zendesk.tickets.get(shadow.z.id)!.group_id).toBeNull();
    expect(zendesk.agentComments(assist.z.id)).toEqual([expect.objectContaining({ public: false, body: expect.stringContaining('[assist]') })]);
    expect(zendesk.tickets.get(assist.z.id)).toMatchObject({ group_id: 100, tags: expect.arrayContaining(['switchboard_escalated']) });
  });

  it('an escalation yields its group, tags, priority and the handoff note', async () => {
    const { z, caseId } = await startCase(T.escalate, { ...SCRIPTED(T.escalate), verifier: () => happy.verifier({ verified: false, reason: 'cache still stale', evidence: [] }) });
    await settled(caseId, 'ESCALATED');
    await deliveryState(caseId, 'escalation', 'delivered');

    expect(zendesk.tickets.get(z.id)).toMatchObject({ group_id: 700, priority: 'high', tags: expect.arrayContaining(['switchboard_escalated', 'verification_failed']) });
    const [note] = zendesk.agentComments(z.id);
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
    expect(note).toMatchObject({ public: false });
    expect(note!.body).toContain('Why: the verifier did not confirm the resolution: cache still stale [unverified]');
    expect(note!.body).toContain('• verifier: not verified: cache still stale');
    expect(note!.body).toContain(`— Switchboard case ${caseId}, run 1`);
  });

  it('a deleted ticket: the reply is dead-lettered with its reason and the case shows it not delivered, in the API and the KPIs', async () => {
    const { z, caseId } = await startCase(T.deleted, SCRIPTED(T.deleted));
    zendesk.deleteTicket(z.id);
    await settled(caseId, 'RESOLVED');
    const h = await deliveryState(caseId, 'reply', 'failed');
    const [letter] = await waitFor('the dead letter', () => recorder.deadLetters('tickets.replies', caseId).length > 0 && recorder.deadLetters('tickets.replies', caseId));

    expect(letter!.reason.code).toBe('HELPDESK.TICKET_NOT_FOUND');
    expect(h).toMatchObject({ undelivered: 1 });
    expect(Object.values(h!.deliveries)).toEqual([expect.objectContaining({ status: 'failed', reason: expect.objectContaining({ code: 'HELPDESK.TICKET_NOT_FOUND' }) })]);
    const inbox = await api<{ cases: Array<{ case_id: string; helpdesk: { undelivered: number } }> }>(`/v1/cases?status=RESOLVED&tenant=${T.deleted}`);
    expect(inbox.body.cases.find((c) => c.case_id === caseId)?.helpdesk.undelivered).toBe(1);
    const kpis = await api<{ groups: Array<Record<string, number | string>> }>(`/v1/kpis?groupBy=intent`);
    expect(kpis.body.groups.find((g) => g['group'] === INTENT)).toMatchObject({ undelivered: 1 });
  });

  it('a failed delivery is re-sent from the API once the ticket can take it, and lands once', async () => {
    const { z, caseId } = await startCase(T.closed, SCRIPTED(T.closed));
    zendesk.setStatus(z.id, 'closed');
    await settled(caseId, 'RESOLVED');
    await deliveryState(caseId, 'reply', 'failed');
    const deliveryId = deliveryIdFor(caseId, 1, 'reply');

    const early = await api(`/v1/cases/${caseId}/deliveries/dlv_000000000000000000000000/resend`, { method: 'POST' });
    expect(early.status).toBe(404);
    zendesk.setStatus(z.id, 'open');
    const sent = await api(`/v1/cases/${caseId}/deliveries/${deliveryId}/resend`, { method: 'POST' });
    expect(sent.status).toBe(202);
    const h = await deliveryState(caseId, 'reply', 'delivered');

    expect(h).toMatchObject({ undelivered: 0 });
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
    const again = await api(`/v1/cases/${caseId}/deliveries/${deliveryId}/resend`, { method: 'POST' });
    expect(again).toMatchObject({ status: 409, body: { code: 'SUPERVISOR.COMMAND_CONFLICT' } });
    const view = await api(`/v1/cases/${caseId}`);
    expect(view.body.decisions).toEqual([expect.objectContaining({ command: 'resend_delivery', arguments: expect.objectContaining({ deliveryId, delivery: 'reply' }) })]);
  });

  it('a reopen after RESOLVED counts against the verified resolution rate; a customer reply on an escalated ticket goes to its assignee, not the agents', async () => {
    const resolved = await startCase(T.reopen, SCRIPTED(T.reopen));
    await settled(resolved.caseId, 'RESOLVED');
    await deliveryState(resolved.caseId, 'reply', 'delivered');
    const before = (await api<{ groups: Array<Record<string, number | string>> }>(`/v1/kpis?groupBy=intent`)).body.groups.find((g) => g['group'] === INTENT)!;
    const sent = await zendesk.customerReply(resolved.z.id, 'Still blank after the reload.');
    expect(sent.map((s) => s.status)).toEqual([202, 202]);
    await waitFor('the reopen on the case', async () => (await helpdeskState(resolved.caseId))?.reopens === 1);
    const after = (await api<{ groups: Array<Record<string, number | string>> }>(`/v1/kpis?groupBy=intent`)).body.groups.find((g) => g['group'] === INTENT)!;
    expect(Number(after['reopened'])).toBe(Number(before['reopened']) + 1);
    expect(Number(after['verifiedResolutionRate'])).toBeCloseTo((Number(after['resolved']) - Number(after['reopened'])) / Number(after['cases']));
    expect(Number(after['verifiedResolutionRate'])).toBeLessThan(Number(before['verifiedResolutionRate']));
    expect(await db.status(resolved.caseId)).toBe('RESOLVED');

    const escalated = await startCase(T.assigned, { ...SCRIPTED(T.assigned), resolver: () => happy.resolver({ decision: 'escalate', escalationReason: 'needs a human', draftReply: '' }) });
    await settled(escalated.caseId, 'ESCALATED');
    expect((await api(`/v1/cases/${escalated.caseId}/commands`, { method: 'POST', body: JSON.stringify({ command: 'take_over' }) })).status).toBe(202);
    await waitFor('the assignee', async () => (await db.caseRow(escalated.caseId))!.state.escalation?.assignee);
    const tasksBefore = agents.tasks(escalated.caseId).length;
    await zendesk.customerReply(escalated.z.id, 'Any news?');
    const h = await waitFor('the customer reply on the case', async () => (await helpdeskState(escalated.caseId))?.customerReplies === 1 && helpdeskState(escalated.caseId));

    const assignee = (await db.caseRow(escalated.caseId))!.state.escalation.assignee as string;
    expect(h!.lastCustomerReply).toMatchObject({ excerpt: 'Any news?', routedTo: assignee });
    const view = await api(`/v1/cases/${escalated.caseId}`);
    expect(view.body.trace.find((r: { data: { event?: string } }) => r.data.event === 'customer_replied')?.data).toMatchObject({ routedTo: assignee, status: 'ESCALATED' });
    expect(view.body.status).toBe('ESCALATED');
    expect(agents.tasks(escalated.caseId)).toHaveLength(tasksBefore);
  });

  it('the console shows the helpdesk link and each delivery\'s state, and re-sends a reply that was not delivered', async () => {
    const { z, caseId } = await startCase(T.console, SCRIPTED(T.console));
    zendesk.setStatus(z.id, 'closed');
    await settled(caseId, 'RESOLVED');
    await deliveryState(caseId, 'reply', 'failed');
    const page = await consolePage();
    await page.selectOption('#filter-status', 'RESOLVED,CLOSED');
    await page.fill('#filter-tenant', T.console);
    const row = page.locator(`tr[data-case-id="${caseId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect(row.textContent()).resolves.toContain('not delivered');

    await row.click();
    const delivery = page.locator(`#deliveries tr[data-delivery-id="${deliveryIdFor(caseId, 1, 'reply')}"]`);
    await delivery.waitFor({ timeout: 15_000 });
    await expect(delivery.textContent()).resolves.toContain('reply not delivered');
    await expect(delivery.textContent()).resolves.toContain('HELPDESK.TICKET_CLOSED');

    zendesk.setStatus(z.id, 'open');
    await delivery.locator('button.resend').click();
    // No reload: the row follows the case over the live event stream.
    await page.locator(`#deliveries tr[data-status="delivered"]`).waitFor({ timeout: 30_000 });
    await expect(page.locator('#helpdesk-link').getAttribute('href')).resolves.toBe(`${zendesk.url}/agent/tickets/${z.id}`);
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
    await page.screenshot({ path: join(SHOTS, 'case-helpdesk.png'), fullPage: true });
    const { rows } = await db.pool.query('SELECT actor_id, via, command FROM supervisor.decisions WHERE case_id = $1', [caseId]);
    expect(rows).toEqual([{ actor_id: 'ana', via: 'session', command: 'resend_delivery' }]);
  });

  it('an edited reply on an escalated case: a claim the evidence does not back is refused in the console, the corrected one lands on the ticket once', async () => {
    const { z, caseId } = await startCase(T.edited, { ...SCRIPTED(T.edited), verifier: () => happy.verifier({ verified: false, reason: 'dashboard still blank', evidence: [] }) });
    await settled(caseId, 'ESCALATED');
    await deliveryState(caseId, 'escalation', 'delivered');
    const page = await consolePage();
    await page.goto(`${supervisorUrl}/console/#/case/${caseId}`);
    await page.waitForSelector('#reply-panel', { timeout: 30_000 });

    // The flush ran but its read-back failed, so "fixed" is not proven: refused, the sentence named, nothing sent.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.fill('#reply-body', 'We flushed the cache and your dashboard loads again. Sorry for the trouble.');
    await page.click('#send-reply');
    await page.locator('#reply-refused .unsupported-claim').first().waitFor({ timeout: 15_000 });
    await expect(page.locator('#reply-refused').textContent()).resolves.toContain('We flushed the cache and your dashboard loads again.');
    expect(zendesk.agentComments(z.id).filter((c) => c.public)).toEqual([]);

    const reply = 'Thanks for your patience; our team is looking into this and will reply today.';
    await page.fill('#reply-body', reply);
    await page.click('#send-reply');
    await page.locator('#case-status').filter({ hasText: /^CLOSED$/ }).waitFor({ timeout: 60_000 });
    await deliveryState(caseId, 'reply', 'delivered');
    await page.screenshot({ path: join(SHOTS, 'reply-sent-helpdesk.png'), fullPage: true });

    // On the reference Zendesk: the handoff note from the escalation, then exactly one public comment, the edited text.
    const comments = zendesk.agentComments(z.id);
    expect(comments.filter((c) => !c.public)).toHaveLength(1);
    expect(comments.filter((c) => c.public).map((c) => c.body)).toEqual([reply]);
    const { rows } = await db.pool.query('SELECT actor_id, command FROM supervisor.decisions WHERE case_id = $1 ORDER BY id', [caseId]);
    expect(rows).toEqual([{ actor_id: 'ana', command: 'send_reply' }]);
  });
});
