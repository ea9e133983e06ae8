// Outcome tiers and cost per verified resolution, on the real stack: a reopen signal moves a resolved case to
// "reopened" and lowers its intent's verified rate; a reply that never reached the helpdesk is "undelivered".
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay.
// Doubles: ScriptedAgents (the four agents, on the real broker), FakeGatewayAdmin (gateway approval endpoints), and the
// helpdesk connector's reports, published by the test on tickets.signals / tickets.deliveries as the connector does.
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DeliveryStatus, TicketEvent, TicketSignal } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, BROKERS, caseOf, Db, listenSupervisor, METRICS_KEY, runId, supervisorConfig, ticketFor } from './support/harness';
import { happy, ScriptedAgents, waitFor, type AgentReply, type Script } from './support/scripted-agents';

jest.setTimeout(120_000);

const run = runId();
const TENANT = `out-${run}`;
// An intent of this suite only, so its rates are this suite's cases and nothing else in the shared database.
const INTENT = `outcomes_${run.replace(/-/g, '_')}`;
const MODEL = `scripted-model-${run}`;
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 30_000 } });
const approvalId = `apr_out_${run}`;

let releaseLock: () => Promise<void>;
let app: NestExpressApplication;
let baseUrl: string;
let suiteStart: string;
const agents = new ScriptedAgents(BROKERS, `out-agents-${run}`);
const gateway = new FakeGatewayAdmin();
const db = new Db();
const tickets: Record<'a' | 'b' | 'approved' | 'unverified', TicketEvent> = {
  a: ticketFor(TENANT, `OUT-A-${run}`), b: ticketFor(TENANT, `OUT-B-${run}`), approved: ticketFor(TENANT, `OUT-C-${run}`), unverified: ticketFor(TENANT, `OUT-D-${run}`),
};
const ids = Object.fromEntries(Object.entries(tickets).map(([k, t]) => [k, caseOf(t)])) as Record<keyof typeof tickets, string>;

const triage: AgentReply = (() => {
  const reply = happy.triage({ intent: INTENT });
  return { ...reply, usage: { llmCalls: 1, inputTokens: 300, outputTokens: 80, costUsd: 0.001, models: [MODEL] } } as AgentReply;
})();
const resolverOutput = { procedure: { id: `proc-${run}`, version: 2 } };
const script: Script = {
  triage: () => triage,
  retrieval: () => happy.retrieval(),
  resolver: (task, n) => {
    if (task.caseId === ids.approved && n === 1) {
      return happy.resolver({ ...resolverOutput, decision: 'needs_approval', actions: [], pendingApproval: { approvalId, tool: 'issue_refund', arguments: { invoiceId: 'inv_9', amount: 500 }, reason: 'refund over 100' } });
    }
    return happy.resolver(resolverOutput);
  },
  verifier: (task) => (task.caseId === ids.unverified ? happy.verifier({ verified: false, evidence: [{ tool: 'get_cache_status', arguments: {}, expected: 'empty', observed: 'stale', passed: false }] }) : happy.verifier()),
};

const get = async (path: string) => {
  const res = await fetch(`${baseUrl}${path}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};
const outcomes = (groupBy: string) => get(`/v1/outcomes?groupBy=${groupBy}&from=${encodeURIComponent(suiteStart)}`);
const group = async (groupBy: string, name: string) => (await outcomes(groupBy)).groups.find((g: any) => g.group === name);
const tierOf = async (caseId: string) => (await db.caseRow(caseId))?.state.tier;

/** Publishes what the helpdesk connector reports, on its topic, in its envelope. */
async function helpdeskReport(topic: 'tickets.signals' | 'tickets.deliveries', ticket: TicketEvent, payload: TicketSignal | DeliveryStatus): Promise<void> {
  const bus = agents.kafkaBus;
  const caseId = caseOf(ticket);
  await bus.publish(topic, bus.envelope(topic, payload as never, { caseId, tenantId: ticket.tenantId, region: ticket.region, correlationId: caseId, causationId: null }));
}

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  suiteStart = new Date().toISOString();
  await agents.start();
  agents.script(TENANT, script);
  const config = supervisorConfig(`out-${run}`);
  ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: gateway }));

  for (const t of Object.values(tickets)) await agents.publishTicket(t);
  await waitFor('the approval hold', async () => (await db.status(ids.approved)) === 'AWAITING_APPROVAL', 60_000);
  const approve = await fetch(`${baseUrl}/v1/cases/${ids.approved}/commands`, {
    method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ command: 'approve', approvalId }),
  });
  expect(approve.status).toBe(202);
  await waitFor('every case settled', async () => {
    const statuses = await Promise.all(Object.values(ids).map((id) => db.status(id)));
    return statuses.join() === 'RESOLVED,RESOLVED,RESOLVED,ESCALATED';
  }, 60_000);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await agents.stop();
  await db.end();
  await releaseLock?.();
});

describe('outcome tiers', () => {
  it('names each case run\'s tier with its evidence in the case API', async () => {
    const a = await get(`/v1/cases/${ids.a}`);
    const verifierRow = a.trace.find((t: any) => t.kind === 'result' && t.agent === 'verifier');
    expect(a.outcome).toEqual({ tier: 'verified_autonomous', run: 1, evidence: [{ kind: 'verifier_readback', checks: 1, passed: 1, traceId: verifierRow.id, readbacks: [{ tool: 'get_cache_status', passed: true }] }] });

    const approved = await get(`/v1/cases/${ids.approved}`);
    const command = approved.trace.find((t: any) => t.kind === 'command');
    expect(approved.outcome).toMatchObject({
      tier: 'resolved_after_approval',
      evidence: [{ kind: 'verifier_readback', passed: 1 }, { kind: 'approval', approvalId, tool: 'issue_refund', by: expect.stringMatching(/^api-key:/), traceId: command.id }],
    });
    expect(gateway.calls).toContainEqual(expect.objectContaining({ decision: 'approve', approvalId }));

    const unverified = await get(`/v1/cases/${ids.unverified}`);
    expect(unverified.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'unverified' }] });
  });

  it('counts tiers with their spend, and cost per verified resolution by intent, tenant, procedure, model, region and day', async () => {
    const intent = await group('intent', INTENT);
    expect(intent).toMatchObject({ cases: 4, verified: 3, verifiedAutonomous: 2, resolvedAfterApproval: 1, escalated: 1, reopened: 0, verifiedRate: 0.75 });
    expect(intent.costUsd).toBeGreaterThan(0);
    expect(intent.costPerVerifiedResolution).toBeCloseTo(intent.costUsd / 3, 6);
    expect(await group('tenant', TENANT)).toMatchObject({ cases: 4, verified: 3 });
    expect(await group('procedure', `proc-${run}@2`)).toMatchObject({ cases: 4, verified: 3 });
    expect(await group('model', MODEL)).toMatchObject({ cases: 4, verified: 3, costPerVerifiedResolution: intent.costPerVerifiedResolution });
    const report = await outcomes('intent');
    const today = new Date().toISOString().slice(0, 10);
    expect(report.days).toContainEqual(expect.objectContaining({ day: today, group: INTENT, cases: 4, verified: 3 }));
    expect(report.tiers).toContainEqual(expect.objectContaining({ tier: 'verified_autonomous', cases: expect.any(Number), costUsd: expect.any(Number), costUsdPerCase: expect.any(Number) }));

    for (const q of ['groupBy=customer', 'from=nope', 'from=2024-02-01&to=2024-01-01', 'limit=1']) {
      expect((await fetch(`${baseUrl}/v1/outcomes?${q}`, { headers: { Authorization: `Bearer ${API_KEY}` } })).status).toBe(400);
    }
    expect((await fetch(`${baseUrl}/v1/outcomes`)).status).toBe(401);
  });

  it('a reopen signal moves a resolved case to reopened and lowers its intent\'s verified rate', async () => {
    const before = await group('intent', INTENT);
    const eventId = `zd-audit-${run}`;
    await helpdeskReport('tickets.signals', tickets.a, { signal: 'reopened', eventId, ticket: { source: tickets.a.source, externalId: tickets.a.externalId }, at: new Date().toISOString(), previousStatus: 'solved' });
    await waitFor('the reopened tier', async () => (await tierOf(ids.a)) === 'reopened');

    const a = await get(`/v1/cases/${ids.a}`);
    const signalRow = a.trace.find((t: any) => t.data?.event === 'helpdesk_reopened');
    expect(a.status).toBe('RESOLVED');
    expect(a.outcome).toMatchObject({ tier: 'reopened', evidence: [{ kind: 'helpdesk_signal', signal: 'reopened', eventId, traceId: signalRow.id }, { kind: 'verifier_readback', passed: 1 }] });

    const after = await group('intent', INTENT);
    expect(after).toMatchObject({ cases: 4, verified: 2, verifiedAutonomous: 1, reopened: 1, verifiedRate: 0.5 });
    expect(after.verifiedRate).toBeLessThan(before.verifiedRate);
    expect(after.costPerVerifiedResolution).toBeGreaterThan(before.costPerVerifiedResolution);
    // The older KPI agrees: resolved and not reopened.
    const kpis = await get(`/v1/kpis?groupBy=intent&from=${encodeURIComponent(suiteStart)}`);
    expect(kpis.groups.find((g: any) => g.group === INTENT)).toMatchObject({ reopened: 1, verifiedResolutionRate: 0.5 });
  });

  it('a reply the helpdesk never received makes the resolution undelivered, until it is delivered', async () => {
    const failed: DeliveryStatus = {
      deliveryId: `dlv_${'0'.repeat(16)}${run.replace(/-/g, '').slice(0, 8).padEnd(8, '0')}`, kind: 'reply', run: 1, target: 'zendesk', status: 'failed', attempts: 3, recovered: false,
      reason: { code: 'HELPDESK.TICKET_NOT_FOUND', message: 'Zendesk: read of ticket 4711: 404' }, at: new Date().toISOString(),
    };
    await helpdeskReport('tickets.deliveries', tickets.b, failed);
    await waitFor('the undelivered tier', async () => (await tierOf(ids.b)) === 'undelivered');
    expect((await get(`/v1/cases/${ids.b}`)).outcome).toMatchObject({ tier: 'undelivered', evidence: [{ kind: 'helpdesk_delivery', delivery: 'reply', status: 'failed', reason: expect.stringContaining('HELPDESK.TICKET_NOT_FOUND') }, { kind: 'verifier_readback' }] });
    expect(await group('intent', INTENT)).toMatchObject({ verified: 1, undelivered: 1, verifiedRate: 0.25 });

    await helpdeskReport('tickets.deliveries', tickets.b, { ...failed, status: 'delivered', attempts: 4, at: new Date().toISOString() });
    await waitFor('verified again', async () => (await tierOf(ids.b)) === 'verified_autonomous');
  });

  it('exports tier counts and cost per verified resolution on /metrics, without tenants or cases', async () => {
    const res = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } });
    const text = await res.text();
    expect(text).toMatch(/switchboard_supervisor_kpi_outcome_tier_cases\{window="24h",tier="reopened"\} [1-9]/);
    expect(text).toContain(`switchboard_supervisor_kpi_cost_per_verified_resolution_usd{window="24h",group_by="intent",group="${INTENT}"}`);
    for (const secret of [TENANT, ids.a, 'case_']) expect(text).not.toContain(secret);
  });
});
