// Automatic demotion on the real stack: verification failures of a tenant + intent past the policy's threshold demote
// it to assist (recorded in the decision log, counted on /metrics); its new cases run in assist while other tenants
// of the intent stay autonomous; only a supervisor's restore lifts it.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints).
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TicketEvent, TicketSignal } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, Db, listenSupervisor, METRICS_KEY, runId, supervisorConfig, ticketFor } from './support/harness';
import { happy, ScriptedAgents, waitFor, type Script } from './support/scripted-agents';

jest.setTimeout(120_000);

const run = runId();
const TENANT = `dem-${run}`;
const OTHER = `dem-other-${run}`;
/** A tenant whose cases all verify, and whose customers rate two of them bad. */
const RATED = `dem-rated-${run}`;
const INTENT = `demote_${run}`;
const policy = PolicySchema.parse({
  version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 },
  demotion: { windowMinutes: 60, maxVerificationFailures: 2, maxNegativeRatings: 2 },
});

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
const agents = new ScriptedAgents(BROKERS, `dem-agents-${run}`);
const db = new Db();
/** Cases whose verification passes; every other case of the tenant fails it. */
const passing = new Set<string>();
const script: Script = {
  triage: () => happy.triage({ intent: INTENT }),
  retrieval: () => happy.retrieval(),
  resolver: () => happy.resolver(),
  verifier: (task) => (passing.has(task.caseId) ? happy.verifier() : happy.verifier({ verified: false, evidence: [{ tool: 'get_cache_status', arguments: {}, expected: 'empty', observed: 'stale', passed: false }] })),
};

const api = (path: string, init: RequestInit = {}) => fetch(`${baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' } });
async function open(tenant: string, pass = false): Promise<string> {
  const ticket: TicketEvent = ticketFor(tenant);
  if (pass) passing.add(caseOf(ticket));
  await agents.publishTicket(ticket);
  return caseOf(ticket);
}
/** Publishes a helpdesk satisfaction rating of the ticket on tickets.signals, as the helpdesk connector does. */
async function rate(ticket: TicketEvent, score: 'good' | 'bad'): Promise<void> {
  const bus = agents.kafkaBus;
  const caseId = caseOf(ticket);
  const signal: TicketSignal = { signal: 'satisfaction_rated', eventId: `csat-${caseId}-${score}`, ticket: { source: ticket.source, externalId: ticket.externalId }, at: new Date().toISOString(), score };
  await bus.publish('tickets.signals', bus.envelope('tickets.signals', signal as never, { caseId, tenantId: ticket.tenantId, region: ticket.region, correlationId: caseId, causationId: null }));
}
const settled = (caseId: string, status: string) => waitFor(`${caseId} ${status}`, async () => (await db.status(caseId)) === status, 60_000);
const demotions = async () => (await db.pool.query('SELECT tenant_id, intent, reason, counts, case_id, restored_at, restored_by FROM supervisor.demotions WHERE tenant_id = $1', [TENANT])).rows;
const decisions = async (caseId: string) => (await db.pool.query('SELECT actor_id, actor_role, via, command, arguments FROM supervisor.decisions WHERE case_id = $1 ORDER BY id', [caseId])).rows;

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await agents.start();
  agents.script(TENANT, script);
  agents.script(OTHER, { ...script, verifier: () => happy.verifier() });
  agents.script(RATED, { ...script, verifier: () => happy.verifier() });
  const config = supervisorConfig(`dem-${run}`);
  ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: new FakeGatewayAdmin() }));
}, 300_000);

afterAll(async () => {
  await app?.close();
  await agents.stop();
  await db.end();
  await releaseLock?.();
});

describe('automatic demotion', () => {
  let second: string;

  it('a run of verification failures demotes the tenant + intent, in the decision log and on /metrics', async () => {
    const first = await open(TENANT);
    await settled(first, 'ESCALATED');
    expect((await db.caseRow(first))!.state.escalation).toMatchObject({ breaker: 'unverified' });

    second = await open(TENANT);
    await settled(second, 'ESCALATED');
    const [demotion] = await waitFor('the demotion', async () => ((await demotions()).length > 0 ? demotions() : undefined));
    // Demoted by the second failure's check (case_id), not the first's: one failure is below the threshold.
    expect(demotion).toMatchObject({ intent: INTENT, case_id: second, restored_at: null, counts: { verificationFailures: 2, reopens: 0 }, reason: '2 verification failures in 60 min (threshold 2)' });
    expect(await decisions(second)).toEqual([expect.objectContaining({ actor_id: 'supervisor', actor_role: 'system', via: 'automatic', command: 'demote', arguments: expect.objectContaining({ tenant: TENANT, intent: INTENT, to: 'assist' }) })]);
    const listed = (await (await api('/v1/rollout/demotions')).json()) as { demotions: Array<Record<string, unknown>> };
    expect(listed.demotions).toContainEqual(expect.objectContaining({ tenantId: TENANT, intent: INTENT, restoredAt: null }));
    const metrics = await (await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } })).text();
    expect(metrics).toContain(`switchboard_supervisor_demotions_total{intent="${INTENT}"} 1`);
  });

  it('new cases of the demoted pair run in assist (no resolver, no write); another tenant of the intent stays autonomous', async () => {
    const [demotedCase, otherCase] = await Promise.all([open(TENANT, true), open(OTHER, true)]);
    await Promise.all([settled(demotedCase, 'ESCALATED'), settled(otherCase, 'RESOLVED')]);
    const row = (await db.caseRow(demotedCase))!;
    expect(row.state).toMatchObject({ mode: 'assist', policy: { mode: 'assist', modeSource: 'demoted' }, tier: 'assisted' });
    expect(agents.tasks(demotedCase, 'resolver')).toEqual([]);
    expect((await db.caseRow(otherCase))!.state).toMatchObject({ mode: 'autonomous', tier: 'verified_autonomous' });
  });

  it('only a supervisor restores it; the restore is logged and new cases run autonomous again', async () => {
    for (const body of ['{}', JSON.stringify({ tenant: TENANT }), JSON.stringify({ tenant: TENANT, intent: INTENT, by: 'mallory' })]) {
      expect((await api('/v1/rollout/demotions/restore', { method: 'POST', body })).status).toBe(400);
    }
    expect((await api('/v1/rollout/demotions/restore', { method: 'POST', body: JSON.stringify({ tenant: OTHER, intent: INTENT }) })).status).toBe(409);
    expect((await fetch(`${baseUrl}/v1/rollout/demotions/restore`, { method: 'POST', body: JSON.stringify({ tenant: TENANT, intent: INTENT }) })).status).toBe(401);

    const res = await api('/v1/rollout/demotions/restore', { method: 'POST', body: JSON.stringify({ tenant: TENANT, intent: INTENT, note: 'verifier fixed' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tenantId: TENANT, intent: INTENT, restoredBy: expect.stringMatching(/^api-key:/) });
    expect(await decisions(second)).toEqual([expect.objectContaining({ command: 'demote' }), expect.objectContaining({ command: 'restore_autonomy', actor_role: 'supervisor', via: 'api_key', arguments: expect.objectContaining({ note: 'verifier fixed' }) })]);

    const after = await open(TENANT, true);
    await settled(after, 'RESOLVED');
    expect((await db.caseRow(after))!.state).toMatchObject({ mode: 'autonomous', policy: { modeSource: 'default' } });
    // The failures before the restore no longer count: one new failure does not demote it again. (Its check runs
    // right after its write; the next case's several hops through the broker come well after it.)
    const failing = await open(TENANT);
    await settled(failing, 'ESCALATED');
    const next = await open(TENANT, true);
    await settled(next, 'RESOLVED');
    expect((await db.caseRow(next))!.state.mode).toBe('autonomous');
    expect((await demotions()).filter((d) => d.restored_at === null)).toEqual([]);
  });

  it('customers\' bad ratings of resolved cases demote the pair too: one is not enough, a second is, a good one never counts', async () => {
    const tickets = [ticketFor(RATED), ticketFor(RATED), ticketFor(RATED)];
    for (const t of tickets) await agents.publishTicket(t);
    for (const t of tickets) await settled(caseOf(t), 'RESOLVED');
    const active = async () => (await db.pool.query('SELECT reason, counts, case_id FROM supervisor.demotions WHERE tenant_id = $1 AND restored_at IS NULL', [RATED])).rows;

    await rate(tickets[0]!, 'good');
    await rate(tickets[1]!, 'bad');
    await waitFor('the bad rating recorded', async () => (await db.caseRow(caseOf(tickets[1]!)))?.state.helpdesk?.satisfaction?.score === 'bad', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await active()).toEqual([]);

    await rate(tickets[2]!, 'bad');
    await waitFor('the pair demoted', async () => ((await active()).length === 1 ? true : undefined), 30_000);
    expect((await active())[0]).toMatchObject({ reason: '2 bad customer ratings in 60 min (threshold 2)', counts: { verificationFailures: 0, reopens: 0, negativeRatings: 2 }, case_id: caseOf(tickets[2]!) });
    const next = await open(RATED, true);
    await settled(next, 'ESCALATED');
    expect((await db.caseRow(next))!.state).toMatchObject({ mode: 'assist', policy: { modeSource: 'demoted' } });
  });
});
