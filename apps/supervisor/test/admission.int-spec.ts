// Per-tenant admission on the real stack: a tenant at its cap of cases in the agents' hands has its further tickets
// queued in Postgres, in arrival order, while another tenant's ticket starts at once; a freed slot admits the next
// queued ticket; the queue survives a supervisor restart; once the storm's agents answer, every ticket is resolved.
// Real: Kafka, Postgres, the supervisor app (in process, HTTP on an ephemeral port), outbox relay.
// Doubles: ScriptedAgents (the four agents, on the real broker; the storm tenant's answers held until released) and
// FakeGatewayAdmin (gateway approval endpoints, unused here).
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging } from '@switchboard/observability';
import { PolicySchema } from '../src/policy/policy.schema';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, apiCall, BROKERS, caseOf, Db, listenSupervisor, METRICS_KEY, ownDatabase, runId, supervisorConfig, ticketFor } from './support/harness';
import { HAPPY, ScriptedAgents, waitFor } from './support/scripted-agents';

jest.setTimeout(120_000);

const run = runId();
const STORM = `adm-storm-${run}`;
const CALM = `adm-calm-${run}`;
const CAP = 2;
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 200, factor: 2 }, budgets: { stepTimeoutMs: 60_000 } });
// Each storm ticket carries a credential: its case, queued or not, records the redaction as an intake verdict.
const storm = Array.from({ length: 5 }, (_, i) => ticketFor(STORM, `ADM-S${i}-${run}`, { body: `Locked out again; my password is Storm-${i}-pass, please reset it.` }));
const calm = ticketFor(CALM, `ADM-C-${run}`);
const stormIds = storm.map(caseOf);

let releaseLock: () => Promise<void>;
let app: NestExpressApplication | undefined;
let baseUrl: string;
const agents = new ScriptedAgents(BROKERS, `adm-agents-${run}`);
// A database of its own, like admission-share.int-spec: the admission queue, the cases and the outbox are shared by
// every supervisor on a database, so any other one running there (another suite, or a benchmark or a suite run by
// hand against the test database at the same time) would admit, tick or relay this suite's tickets as its own. On the
// shared test database a full CI run once found the second queued ticket admitted and the first still waiting, which
// this suite's supervisor alone cannot do (it admits in queue order under the tenant's lock).
let own: Awaited<ReturnType<typeof ownDatabase>> | undefined;
let db: Db;
let config: ReturnType<typeof supervisorConfig>;

const api = (path: string, init: RequestInit = {}) => apiCall(baseUrl, path, init);
const existing = async () => (await Promise.all(stormIds.map(async (id) => ((await db.status(id)) ? id : undefined)))).filter(Boolean);
const queuedRows = async () => {
  const { rows } = await db.pool.query<{ case_id: string }>('SELECT case_id FROM supervisor.admission_queue WHERE tenant_id = $1 ORDER BY seq', [STORM]);
  return rows.map((r) => r.case_id);
};
/** Storm cases created at once, and the queue in its order, as the suite found them after the storm. */
let running: string[] = [];
let queue: string[] = [];
const start = async () => ({ app, baseUrl } = await listenSupervisor(config, { policy, gatewayAdmin: new FakeGatewayAdmin() }));

beforeAll(async () => {
  configureLogging({ level: 'error' });
  releaseLock = await acquireSuiteLock();
  own = await ownDatabase('admission');
  db = new Db(own.url);
  config = supervisorConfig(`adm-${run}`, { DATABASE_URL: own.url, SUPERVISOR_TENANT_MAX_ACTIVE: String(CAP) });
  await agents.start();
  agents.script(STORM, HAPPY);
  agents.script(CALM, HAPPY);
  // The storm tenant's agents answer only when the test says so: its cases stay in the agents' hands.
  agents.hold(STORM);
  await start();
  for (const t of storm) await agents.publishTicket(t);
  await waitFor('the storm tenant at its cap with the rest queued', async () => (await existing()).length === CAP && (await queuedRows()).length === storm.length - CAP, 30_000);
  running = (await existing()) as string[];
  queue = await queuedRows();
  await agents.publishTicket(calm);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await agents.stop();
  await db?.end();
  await own?.drop();
  await releaseLock?.();
});

describe('per-tenant admission', () => {
  it('starts another tenant\'s ticket at once while the storm tenant waits at its cap', async () => {
    await waitFor('the calm tenant resolved', async () => (await db.status(caseOf(calm))) === 'RESOLVED', 30_000);
    // Exactly CAP storm tickets have cases (the supervisor reads 3 partitions at once: which ones is Kafka's order);
    // the others wait, each once.
    expect(running).toHaveLength(CAP);
    expect([...running, ...queue].sort()).toEqual([...stormIds].sort());
    expect(await existing()).toEqual(running);
    expect(await queuedRows()).toEqual(queue);
  });

  it('shows the backlog and each queued ticket\'s place over the API, and counts it on /metrics', async () => {
    const backlog = await api('/v1/admission');
    expect(backlog.status).toBe(200);
    expect(backlog.body.maxActivePerTenant).toBe(CAP);
    expect(backlog.body.tenants.find((t: any) => t.tenantId === STORM)).toMatchObject({ queued: storm.length - CAP, active: CAP });
    expect((await api(`/v1/admission/${queue[1]}`)).body).toMatchObject({ tenantId: STORM, position: 2 });
    expect((await api(`/v1/admission/${caseOf(calm)}`)).status).toBe(404);
    expect((await api('/v1/admission/not a case id')).status).toBe(400);
    const metrics = await (await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } })).text();
    expect(metrics).toMatch(new RegExp(`switchboard_admission_queued_total\\{tenant="${STORM}"\\} ${storm.length - CAP}`));
  });

  it('ignores a redelivered queued ticket: still one place in the queue', async () => {
    await agents.publishTicket(storm[stormIds.indexOf(queue[0]!)]!);
    // Nothing to wait for when nothing should happen: give the supervisor time to handle it, then look.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await queuedRows()).toEqual(queue);
    expect(await existing()).toEqual(running);
  });

  it('admits the next queued ticket, in order, as soon as a slot is freed', async () => {
    const takeOver = await api(`/v1/cases/${running[0]}/commands`, { method: 'POST', body: JSON.stringify({ command: 'take_over' }) });
    expect(takeOver.status).toBe(202);
    await waitFor('the first queued ticket admitted', async () => (await db.status(queue[0]!)) !== undefined, 10_000);
    expect(await queuedRows()).toEqual(queue.slice(1));
    expect(await db.status(running[1]!)).toBe('RECEIVED');
  });

  it('keeps the queue across a supervisor restart, and resolves every ticket once the storm\'s agents answer', async () => {
    await app!.close();
    app = undefined;
    expect(await queuedRows()).toEqual(queue.slice(1));
    await start();
    // From here the storm tenant's agents answer everything: each settled case frees the slot the next one takes.
    await agents.release(STORM, false);
    await waitFor('every storm ticket settled', async () => {
      const statuses = await Promise.all(stormIds.map((id) => db.status(id)));
      return statuses.every((s) => s === 'RESOLVED' || s === 'ESCALATED') ? statuses : undefined;
    }, 60_000);
    expect(await Promise.all(stormIds.map((id) => db.status(id)))).toEqual(stormIds.map((id) => (id === running[0] ? 'ESCALATED' : 'RESOLVED')));
    expect(await queuedRows()).toEqual([]);
    // Queued or not, each case kept what its intake redacted (a queued ticket is admitted again unchanged, so the
    // finding travels with it in the queue).
    const { rows } = await db.pool.query(`SELECT case_id, count(*)::int AS n FROM supervisor.control_verdicts
      WHERE case_id = ANY($1) AND source = 'intake' AND control = 'redaction' GROUP BY case_id`, [stormIds]);
    expect(Object.fromEntries(rows.map((r) => [r.case_id, r.n]))).toEqual(Object.fromEntries(stormIds.map((id) => [id, 1])));
    const { rows: stored } = await db.pool.query(`SELECT ticket->>'body' AS body FROM supervisor.cases WHERE case_id = ANY($1)`, [stormIds]);
    expect(stored.map((r) => r.body).join(' ')).not.toMatch(/Storm-\d-pass/);
  });
});
