// Real: Postgres (the shared test database), the supervisor's CaseService, CaseRepository and DueQuarantineRepository,
// and the quarantine API over real HTTP. No Kafka: the outbox rows the ticks write stay unsent and are deleted after.
// The gateway admin port is the named fake. One case is made to throw on every tick (its stored state lost its policy,
// as a bad manual edit or a bug would leave it) and is the oldest due case, where it used to block every other one.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { Envelope, TicketEvent } from '@switchboard/contracts';
import { TaskTokenIssuer } from '@switchboard/task-tokens';
import { CaseRepository } from '../src/case/case.repository';
import { CaseService } from '../src/case/case.service';
import { DueQuarantineRepository } from '../src/case/due-quarantine.repository';
import { supervisorAppPath } from '../src/paths';
import { parsePolicy } from '../src/policy/policy.loader';
import { createSupervisorApp } from '../src/supervisor.app';

const METRICS_KEY = 'due-scanner-metrics-key-0123456789';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { acquireSuiteLock, API_KEY, caseOf, Db, runId, supervisorConfig, ticketFor, TOKEN_SECRET } from './support/harness';

jest.setTimeout(60_000);

const policy = parsePolicy(readFileSync(supervisorAppPath('policy', 'default.policy.yaml'), 'utf8'));

describe('due scanner: a case whose tick throws backs off and is quarantined while the others flow (real Postgres)', () => {
  const db = new Db();
  const cases: string[] = [];
  const failures: Array<{ caseId: string; failures: number; quarantined: boolean }> = [];
  const sut = new CaseService(db.pool, new CaseRepository(db.pool), policy, new TaskTokenIssuer(TOKEN_SECRET), new FakeGatewayAdmin(), {
    // Back-offs of 2 s: the scan that records a failure goes on to tick every other due case in the shared test
    // database, which on a loaded machine took longer than the 100 ms this suite once used (CI, 2026-12-06).
    dueRetry: { baseMs: 2_000, maxMs: 2_000, maxFailures: 3 },
    onDueFailure: (f) => failures.push(f),
  });
  let release: () => Promise<void>;

  beforeAll(async () => {
    release = await acquireSuiteLock();
  });
  afterAll(async () => {
    await db.pool.query('DELETE FROM outbox WHERE key = ANY($1)', [cases]);
    await db.pool.query('UPDATE supervisor.cases SET due_at = NULL, quarantined_at = NULL WHERE case_id = ANY($1)', [cases]);
    await db.end();
    await release();
  });

  async function newCase(): Promise<string> {
    const t = ticketFor('globex', `DUE-${runId()}`);
    const caseId = caseOf(t);
    cases.push(caseId);
    const envelope: Envelope<TicketEvent> = {
      id: randomUUID(), type: 'ticket.received', version: 1, caseId, tenantId: 'globex', region: 'us-east-1', correlationId: caseId, causationId: null,
      attempt: 0, occurredAt: new Date().toISOString(), payload: t,
    };
    expect(await sut.onTicket(envelope)).toBe('created');
    return caseId;
  }
  // Triage was dispatched; its deadline is made to lie in the past, so the next scan times the step out.
  const overdue = (caseId: string, dueAt: string) =>
    db.pool.query(`UPDATE supervisor.cases SET due_at = $2::timestamptz, state = jsonb_set(state, '{outstanding,deadline}', to_jsonb($3::text)) WHERE case_id = $1`, [caseId, dueAt, dueAt]);
  const row = async (caseId: string) =>
    (await db.pool.query('SELECT version, status, due_at, due_failures, due_error, quarantined_at, state FROM supervisor.cases WHERE case_id = $1', [caseId])).rows[0];

  it('ticks the other due cases past the failing one, records the failure and backs it off, then quarantines it', async () => {
    const bad = await newCase();
    const good = [await newCase(), await newCase(), await newCase()];
    await overdue(bad, '2000-01-01T00:00:00Z');
    await db.pool.query(`UPDATE supervisor.cases SET state = state - 'policy' WHERE case_id = $1`, [bad]);
    for (const caseId of good) await overdue(caseId, new Date(Date.now() - 60_000).toISOString());

    // One scan: the bad case is the oldest due case and throws; the three behind it are still timed out.
    const scanStart = Date.now();
    await sut.tickDue();
    for (const caseId of good) {
      const r = await row(caseId);
      expect(r.version).toBe(2);
      expect(r.state.counters.timeouts).toBe(1);
      expect(r.state.retry).toMatchObject({ agent: 'triage', attempt: 2 });
    }
    const afterOne = await row(bad);
    expect(afterOne).toMatchObject({ version: 1, due_failures: 1, quarantined_at: null });
    expect(afterOne.due_error).toMatch(/TypeError|Cannot read properties of undefined/);
    expect(afterOne.due_at.getTime()).toBeGreaterThanOrEqual(scanStart + 2_000); // backed off from its failure
    expect(failures.filter((f) => f.caseId === bad)).toEqual([expect.objectContaining({ failures: 1, quarantined: false })]);

    // Before its back-off has passed the bad case is not tried again.
    await sut.tickDue();
    expect((await row(bad)).due_failures).toBe(1);

    // After 3 failed ticks (2 s back-off each) it is quarantined and the scanner skips it for good.
    const deadline = Date.now() + 20_000;
    while (!(await row(bad)).quarantined_at && Date.now() < deadline) {
      await sut.tickDue();
      await new Promise((r) => setTimeout(r, 50));
    }
    const quarantined = await row(bad);
    expect(quarantined).toMatchObject({ due_failures: 3, version: 1 });
    expect(quarantined.quarantined_at).toBeInstanceOf(Date);
    expect(failures.filter((f) => f.caseId === bad).map((f) => [f.failures, f.quarantined])).toEqual([[1, false], [2, false], [3, true]]);
    await db.pool.query('UPDATE supervisor.cases SET due_at = $2 WHERE case_id = $1', [bad, '2000-01-01T00:00:00Z']);
    await sut.tickDue();
    expect((await row(bad)).due_failures).toBe(3);

    const listed = await new DueQuarantineRepository(db.pool).list(500);
    expect(listed.find((c) => c.caseId === bad)).toMatchObject({ dueFailures: 3, status: 'RECEIVED', reason: expect.stringContaining('budgets') });
  });

  it('lists quarantined cases over the API with their reason, exposes the count as a metric, and releases one (role supervisor)', async () => {
    const bad = cases[0]!;
    const app: INestApplication = await createSupervisorApp(supervisorConfig(`test.due.${runId()}`, { SUPERVISOR_RUN_MIGRATIONS: 'false', BUS_NEW_GROUP_START: 'latest', SUPERVISOR_METRICS_KEY: METRICS_KEY, SUPERVISOR_METRICS_CACHE_SECONDS: '0' }), { gatewayAdmin: new FakeGatewayAdmin() });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    try {
      const auth = { authorization: `Bearer ${API_KEY}` };
      expect((await fetch(`${url}/v1/due-quarantine`)).status).toBe(401);
      const list = (await (await fetch(`${url}/v1/due-quarantine?limit=500`, { headers: auth })).json()) as { cases: Array<{ caseId: string; reason: string; dueFailures: number }> };
      expect(list.cases.find((c) => c.caseId === bad)).toMatchObject({ dueFailures: 3, reason: "INTERNAL: Cannot read properties of undefined (reading 'budgets')" });
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
      const gauge = Number(/^switchboard_supervisor_due_quarantined_cases (\d+)$/m.exec(metrics)?.[1]);
      expect(gauge).toBeGreaterThanOrEqual(1);

      // Repair the state (the operator's fix), then release: the next scan ticks it again with a clean count.
      await db.pool.query(`UPDATE supervisor.cases SET state = state || jsonb_build_object('policy', (SELECT state->'policy' FROM supervisor.cases WHERE case_id = $2)) WHERE case_id = $1`, [bad, cases[1]]);
      const released = await fetch(`${url}/v1/due-quarantine/${bad}/release`, { method: 'POST', headers: auth });
      expect(released.status).toBe(200);
      expect(await released.json()).toEqual({ caseId: bad, released: true });
      expect((await fetch(`${url}/v1/due-quarantine/${bad}/release`, { method: 'POST', headers: auth })).status).toBe(404);
    } finally {
      await app.close();
    }
    await sut.tickDue();
    const r = await row(bad);
    expect(r).toMatchObject({ due_failures: 0, due_error: null, quarantined_at: null, version: 2 });
    expect(r.state.counters.timeouts).toBe(1);
  });
});
