// Promotion with evidence on the real stack: a tenant + intent running in shadow is refused promotion (422, naming the
// missing evidence) until humans rated enough of its shadow cases (a human's reply on a shadow case is counted against its
// draft as agreement evidence); then a supervisor's promotion is applied, stored
// with its evidence and in the decision log, and the pair's next case runs in assist; autonomy straight from shadow is
// refused; a revocation returns the pair to the policy file's mode.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), the shipped procedures (their
// simulations are part of the evidence). Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin.
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging } from '@switchboard/observability';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, Db, listenSupervisor, runId, supervisorConfig, ticketFor } from './support/harness';
import { happy, ScriptedAgents, waitFor } from './support/scripted-agents';

jest.setTimeout(120_000);

const run = runId();
const TENANT = `pro-${run}`;
const INTENT = 'dashboard_cache';
const policy = PolicySchema.parse({
  version: 1, defaultMode: 'shadow', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 },
  promotion: { windowDays: 7, minRatedCases: 2, minApproval: 0.75 },
});

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
const agents = new ScriptedAgents(BROKERS, `pro-agents-${run}`);
const db = new Db();

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json', 'X-Requested-With': 'switchboard' } });
  return { status: res.status, body: (await res.json()) as any };
};
const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });
const evidence = async () => (await api(`/v1/rollout/evidence?tenant=${TENANT}&intent=${INTENT}`)).body;
/** Opens a case of the pair and returns it once triage decided its mode. */
async function open(): Promise<{ caseId: string; mode: string; modeSource: string }> {
  const ticket = ticketFor(TENANT);
  await agents.publishTicket(ticket);
  const caseId = caseOf(ticket);
  const row = await waitFor(`${caseId} triaged`, async () => {
    const r = await db.caseRow(caseId);
    return r && r.state.intent ? r : undefined;
  }, 60_000);
  return { caseId, mode: row.state.policy.mode, modeSource: row.state.policy.modeSource };
}

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  await agents.start();
  agents.script(TENANT, { triage: () => happy.triage({ intent: INTENT }), retrieval: () => happy.retrieval(), resolver: () => happy.resolver(), verifier: () => happy.verifier() });
  ({ app, baseUrl } = await listenSupervisor(supervisorConfig(`pro-${run}`), { policy, gatewayAdmin: new FakeGatewayAdmin() }));
}, 300_000);

afterAll(async () => {
  await app?.close();
  await agents.stop();
  await db.end();
  await releaseLock?.();
});

describe('promotion with evidence', () => {
  const shadowCases: string[] = [];

  it('shows the evidence: shadow cases, no ratings yet, the procedures simulated green, neither promotion ready', async () => {
    for (let i = 0; i < 2; i++) {
      const c = await open();
      expect(c).toMatchObject({ mode: 'shadow', modeSource: 'default' });
      shadowCases.push(c.caseId);
    }
    const e = await evidence();
    expect(e).toMatchObject({ tenantId: TENANT, intent: INTENT, mode: 'shadow', cases: { shadow: 2, assist: 0, autonomous: 0 }, ratings: { assist: { ratedCases: 0 } } });
    expect(e.simulations.length).toBeGreaterThan(0);
    for (const s of e.simulations) expect(s.passed).toBe(s.tests);
    expect(e.verdicts.assist).toEqual({ ready: false, missing: ['0 rated shadow cases in 7 days (needs 2)'] });
    expect(e.verdicts.autonomous.ready).toBe(false);
    expect(e.agreement).toEqual({ repliesSent: 0, repliesUnedited: 0, approvalsDecided: 0, approvalsApproved: 0 });
  });

  it('counts what a human then did with a shadow case\'s draft: a reply sent edited is a disagreement', async () => {
    const [first] = shadowCases;
    await waitFor(`${first} escalated with its shadow note`, async () => ((await db.caseRow(first!))?.status === 'ESCALATED' ? true : undefined), 60_000);
    const reply = 'Thanks for your patience; an engineer is looking into this and will reply today.';
    expect((await post(`/v1/cases/${first}/commands`, { command: 'send_reply', body: reply })).status).toBe(202);
    await waitFor(`${first} closed by the reply`, async () => ((await db.caseRow(first!))?.status === 'CLOSED' ? true : undefined), 60_000);
    expect((await evidence()).agreement).toEqual({ repliesSent: 1, repliesUnedited: 0, approvalsDecided: 0, approvalsApproved: 0 });
  });

  it('refuses a promotion without the evidence (422 naming what is missing) and bad requests (400)', async () => {
    const refused = await post('/v1/rollout/promotions', { tenant: TENANT, intent: INTENT, to: 'assist' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'SUPERVISOR.PROMOTION_EVIDENCE_MISSING', missing: ['0 rated shadow cases in 7 days (needs 2)'] });
    expect((await post('/v1/rollout/promotions', { tenant: TENANT, intent: INTENT, to: 'shadow' })).status).toBe(400);
    expect((await api(`/v1/rollout/evidence?tenant=${TENANT}`)).status).toBe(400);
    expect((await post('/v1/rollout/promotions', { tenant: TENANT, intent: 'not_an_intent', to: 'assist' })).status).toBe(422);
  });

  it('promotes once humans rated enough shadow notes: stored with its evidence, logged, and the next case runs in assist', async () => {
    for (const id of shadowCases) expect((await post(`/v1/cases/${id}/feedback`, { target: { kind: 'note' }, rating: 'up' })).status).toBe(201);
    expect((await evidence()).verdicts.assist).toEqual({ ready: true });
    const promoted = await post('/v1/rollout/promotions', { tenant: TENANT, intent: INTENT, to: 'assist', note: 'shadow notes were right' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ tenantId: TENANT, intent: INTENT, mode: 'assist', revokedAt: null, evidence: { ratings: { assist: { ratedCases: 2, approvedCases: 2 } } } });
    const { rows } = await db.pool.query('SELECT command, arguments FROM supervisor.decisions WHERE case_id = $1 ORDER BY id', [promoted.body.caseId]);
    expect(rows).toEqual([expect.objectContaining({ command: 'promote', arguments: expect.objectContaining({ tenant: TENANT, intent: INTENT, to: 'assist', note: 'shadow notes were right' }) })]);
    expect(await open()).toMatchObject({ mode: 'assist', modeSource: 'promoted' });
    expect((await api('/v1/rollout/promotions')).body.promotions[0]).toMatchObject({ tenantId: TENANT, mode: 'assist' });
  });

  it('refuses what would not raise the mode (409) and autonomy without rated assist cases (422)', async () => {
    expect((await post('/v1/rollout/promotions', { tenant: TENANT, intent: INTENT, to: 'assist' })).status).toBe(409);
    const autonomous = await post('/v1/rollout/promotions', { tenant: TENANT, intent: INTENT, to: 'autonomous' });
    expect(autonomous.status).toBe(422);
    expect(autonomous.body.missing).toEqual(['0 rated assist cases in 7 days (needs 2)']);
  });

  it('a revocation returns the pair to the policy file\'s mode', async () => {
    const revoked = await post('/v1/rollout/promotions/revoke', { tenant: TENANT, intent: INTENT, note: 'back to shadow' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(await open()).toMatchObject({ mode: 'shadow', modeSource: 'default' });
    expect((await post('/v1/rollout/promotions/revoke', { tenant: TENANT, intent: INTENT })).status).toBe(409);
  });
});
