// Real: Postgres (the shared test database) with the supervisor, store, gateway and memory migrations; the
// supervisor's CaseService and RetentionService; ErasureService; the gateway's AuditRepository (the code that writes
// the hash chain) and its verify-audit command; the embedded vector store (PgVectorStore) with remembered resolutions.
// Doubles: the gateway admin port (FakeGatewayAdmin) and the embedder (HashingEmbedder), both named test doubles.
// Other suites share the tables, so every assertion is about this suite's own rows.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Envelope, SupervisorCommand, TicketEvent } from '@switchboard/contracts';
import { TaskTokenIssuer } from '@switchboard/task-tokens';
import { MemoryService, PgVectorStore, REMEMBERED_PREFIX, runMemoryMigrations } from '@switchboard/memory';
import { HashingEmbedder } from '@switchboard/memory/testing';
import { AuditRepository } from '../../gateway/src/audit/audit.repository';
import { runVerifyAudit } from '../../gateway/src/cli/verify-audit';
import { CaseRepository } from '../src/case/case.repository';
import { CaseService } from '../src/case/case.service';
import { ERASED, ERASED_EMAIL, ErasureService } from '../src/erasure/erasure.service';
import { supervisorAppPath } from '../src/paths';
import { parsePolicy } from '../src/policy/policy.loader';
import { RetentionService } from '../src/retention/retention.service';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { TEST_DATABASE_URL } from '../../../test/support/env';
import { acquireSuiteLock, caseOf, Db, runId, ticketFor, TOKEN_SECRET } from './support/harness';

jest.setTimeout(60_000);

const policy = parsePolicy(readFileSync(supervisorAppPath('policy', 'default.policy.yaml'), 'utf8'));
const DAY = 86_400_000;

describe('retention and erasure (real Postgres)', () => {
  const db = new Db();
  const run = runId();
  const cases: string[] = [];
  const service = () => new CaseService(db.pool, new CaseRepository(db.pool), policy, new TaskTokenIssuer(TOKEN_SECRET), new FakeGatewayAdmin());
  const cases1 = service();
  let release: () => Promise<void>;

  beforeAll(async () => {
    release = await acquireSuiteLock();
    await runMemoryMigrations(db.pool);
  });
  afterAll(async () => {
    await db.pool.query('DELETE FROM outbox WHERE key = ANY($1)', [cases]);
    await db.pool.query('UPDATE supervisor.cases SET due_at = NULL WHERE case_id = ANY($1)', [cases]);
    await db.end();
    await release();
  });

  async function newCase(tenantId: string, over: Partial<TicketEvent> = {}, sut = cases1): Promise<string> {
    const t = ticketFor(tenantId, `RE-${run}-${cases.length}`, over);
    const caseId = caseOf(t);
    cases.push(caseId);
    const envelope: Envelope<TicketEvent> = {
      id: randomUUID(), type: 'ticket.received', version: 1, caseId, tenantId, region: 'us-east-1', correlationId: caseId, causationId: null,
      attempt: 0, occurredAt: new Date().toISOString(), payload: t,
    };
    expect(await sut.onTicket(envelope)).toBe('created');
    return caseId;
  }
  const setCase = (caseId: string, status: string, updatedDaysAgo: number) =>
    db.pool.query(`UPDATE supervisor.cases SET status = $2, state = jsonb_set(state, '{status}', to_jsonb($2::text)) - 'outstanding', due_at = NULL,
                   updated_at = now() - $3 * interval '1 day' WHERE case_id = $1`, [caseId, status, updatedDaysAgo]);

  describe('RetentionService.pruneOnce', () => {
    it('removes only what is past retention: sent outbox rows, ledger rows, and trace and checkpoints of cases finished long ago', async () => {
      const oldDone = await newCase('globex');
      const recentDone = await newCase('globex');
      const oldWaiting = await newCase('globex');
      await setCase(oldDone, 'RESOLVED', 100);
      await setCase(recentDone, 'CLOSED', 1);
      await setCase(oldWaiting, 'ESCALATED', 100);
      const keyOld = `retention-${run}-old`;
      const keyNew = `retention-${run}-new`;
      const keyUnsent = `retention-${run}-unsent`;
      cases.push(keyOld, keyNew, keyUnsent);
      await db.pool.query(`INSERT INTO outbox (topic, key, value, created_at, sent_at) VALUES
        ('t', $1, '{}', now() - interval '9 days', now() - interval '8 days'), ('t', $2, '{}', now() - interval '2 hours', now() - interval '1 hour'),
        ('t', $3, '{}', now() - interval '30 days', NULL)`, [keyOld, keyNew, keyUnsent]);
      await db.pool.query(`INSERT INTO processed_messages (consumer, message_id, processed_at) VALUES
        ($1, 'old', now() - interval '20 days'), ($1, 'new', now() - interval '2 days')`, [`retention-${run}`]);

      const sut = new RetentionService(db.pool, { outboxSentMs: 7 * DAY, processedMs: 14 * DAY, traceMs: 90 * DAY, checkpointMs: 30 * DAY });
      const counts = await sut.pruneOnce();
      expect(counts).toBeDefined();
      expect(counts!.outbox).toBeGreaterThanOrEqual(1);

      const outbox = await db.pool.query<{ key: string }>('SELECT key FROM outbox WHERE key = ANY($1) ORDER BY key', [[keyOld, keyNew, keyUnsent]]);
      expect(outbox.rows.map((r) => r.key)).toEqual([keyNew, keyUnsent].sort());
      const ledger = await db.pool.query<{ message_id: string }>('SELECT message_id FROM processed_messages WHERE consumer = $1', [`retention-${run}`]);
      expect(ledger.rows.map((r) => r.message_id)).toEqual(['new']);
      expect([await db.count('trace', oldDone), await db.count('checkpoints', oldDone)]).toEqual([0, 0]);
      expect(await db.count('trace', recentDone)).toBeGreaterThan(0);
      expect(await db.count('checkpoints', recentDone)).toBeGreaterThan(0);
      expect(await db.count('trace', oldWaiting)).toBeGreaterThan(0);
      expect(await db.count('checkpoints', oldWaiting)).toBeGreaterThan(0);
      // The case row stays (with its transitions and outcomes): KPIs and the queue still count it.
      expect(await db.status(oldDone)).toBe('RESOLVED');
    });

    it('lets one replica prune at a time', async () => {
      const holder = await db.pool.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(hashtext('switchboard.retention'))`);
        const sut = new RetentionService(db.pool, { outboxSentMs: DAY, processedMs: DAY, traceMs: DAY, checkpointMs: DAY });
        expect(await sut.pruneOnce()).toBeUndefined();
      } finally {
        await holder.query(`SELECT pg_advisory_unlock(hashtext('switchboard.retention'))`);
        holder.release();
      }
    });
  });

  describe('ErasureService', () => {
    const audit = new AuditRepository(db.pool);
    const collection = `erasure_${run.replace(/[^a-z0-9]/g, '')}`;
    const store = new PgVectorStore(db.pool);
    const memory = new MemoryService(store, new HashingEmbedder(), { collection });

    async function callsFor(caseId: string, tenantId: string, email: string): Promise<void> {
      const base = { caseId, taskId: 't1', tenantId, agent: 'resolver', toolCallId: 'c1', decision: 'allowed', outcome: 'ok', errorCode: null, latencyMs: 3, approvalId: null, idempotencyKey: null, ruleVersion: 'tool:test@000000000000' };
      await audit.append({ ...base, tool: 'get_user', arguments: { tenantId, email }, result: { email, name: 'Hank Hill', locked: true } });
      await audit.append({ ...base, tool: 'unlock_account', arguments: { tenantId, email }, result: { email, unlocked: true } });
    }

    it('erases a requester\'s personal data everywhere, keeps what KPIs need, leaves cases in flight, and the audit chain still verifies', async () => {
      await memory.init();
      const email = `hank.${run}@globex.example`;
      const other = await newCase('globex', { requester: { email: `peggy.${run}@globex.example` } });
      const done = await newCase('globex', { requester: { email, name: 'Hank Hill' }, subject: 'Hank cannot log in', body: 'Hank Hill, account 42, locked out.', metadata: { phone: '+1 555 0100' } });
      const cached = service(); // holds `escalated` in its cache from creating it
      const escalated = await newCase('globex', { requester: { email: email.toUpperCase() } }, cached);
      const inFlight = await newCase('globex', { requester: { email } });
      await setCase(done, 'RESOLVED', 0);
      await db.pool.query(`UPDATE supervisor.cases SET state = state || '{"resolution": {"decision": "resolved", "summary": "Unlocked Hank", "draftReply": "Hi Hank", "actions": [{"tool": "unlock_account", "arguments": {"email": "x"}}]}, "hint": "Hank again"}'::jsonb WHERE case_id = $1`, [done]);
      await db.pool.query(`UPDATE supervisor.cases SET status = 'ESCALATED', state = jsonb_set(state, '{status}', '"ESCALATED"') - 'outstanding', due_at = NULL WHERE case_id = $1`, [escalated]);
      await db.pool.query('UPDATE outbox SET sent_at = now() WHERE key = ANY($1)', [[done, escalated, other]]);
      for (const c of [done, escalated, other]) await callsFor(c, 'globex', c === other ? `peggy.${run}@globex.example` : email);
      await memory.rememberResolution({ caseId: done, tenantId: 'globex', intent: 'account_lockout', summary: 'Unlocked Hank', ticketText: 'Hank Hill locked out', actions: ['unlock_account'] });
      await memory.rememberResolution({ caseId: other, tenantId: 'globex', intent: 'account_lockout', summary: 'Unlocked Peggy', ticketText: 'Peggy locked out', actions: [] });

      // A verdict whose free text names the requester (a reject reason, say), in the append-only ledger.
      await db.pool.query(`INSERT INTO supervisor.control_verdicts (case_id, case_version, at, source, control, rule, rule_version, verdict, detail)
                           VALUES ($1, 2, now(), 'supervisor', 'breaker', 'approval_rejected', 'policy:0123456789ab', 'escalated', 'rejected: Hank Hill asked twice')`, [done]);

      const sut = new ErasureService(db.pool, { memory: { store, collection } });
      expect(await sut.erase({ requester: email }, { dryRun: true })).toMatchObject({ dryRun: true, cases: [done, escalated].sort(), inFlight: [{ caseId: inFlight, status: 'RECEIVED' }] });
      expect((await db.pool.query(`SELECT ticket->'requester'->>'email' AS e FROM supervisor.cases WHERE case_id = $1`, [done])).rows[0].e).toBe(email);

      const searchable = async (caseId: string) => (await db.pool.query(`SELECT doc @@ to_tsquery('simple', 'hank:*') AS hit FROM supervisor.case_search WHERE case_id = $1`, [caseId])).rows[0]?.hit;
      expect(await searchable(done)).toBe(true); // the inbox search document holds the requester until erasure
      const report = await sut.erase({ requester: email });
      expect(report.cases).toEqual([done, escalated].sort());
      expect(report.inFlight).toEqual([{ caseId: inFlight, status: 'RECEIVED' }]);
      expect(report.rows).toMatchObject({ auditErased: 4, auditLegacyKept: 0, memoryDocuments: 1, outboxUnsent: 0, verdicts: 1 });
      expect((await db.pool.query('SELECT rule, rule_version, verdict, detail FROM supervisor.control_verdicts WHERE case_id = $1', [done])).rows)
        .toEqual([{ rule: 'approval_rejected', rule_version: 'policy:0123456789ab', verdict: 'escalated', detail: null }]);
      expect(report.rows.outboxDeleted).toBeGreaterThanOrEqual(2);
      expect(report.gateway).toBe(true);

      const row = (await db.pool.query('SELECT ticket, context, state, version, status FROM supervisor.cases WHERE case_id = $1', [done])).rows[0];
      expect(row.ticket).toMatchObject({ requester: { email: ERASED_EMAIL }, subject: ERASED, body: ERASED, metadata: {}, tags: [], tenantId: 'globex', source: 'api' });
      expect(row.ticket.requester.name).toBeUndefined();
      expect(row.context).toEqual({ passages: [] });
      expect(row.state).toMatchObject({ status: 'RESOLVED', findings: [], tried: [], resolution: { decision: 'resolved', summary: ERASED, draftReply: ERASED, actions: [] } });
      expect(row.state.hint).toBeUndefined();
      const everything = JSON.stringify((await db.pool.query(
        `SELECT (SELECT json_agg(t.data) FROM supervisor.trace t WHERE t.case_id = $1) AS trace, (SELECT json_agg(k.delta) FROM supervisor.checkpoints k WHERE k.case_id = $1) AS checkpoints,
                (SELECT json_agg(c.ticket) FROM supervisor.cases c WHERE c.case_id = ANY($2)) AS tickets,
                (SELECT json_agg(json_build_array(a.arguments, a.result, a.salt)) FROM gateway.audit_log a WHERE a.case_id = ANY($2)) AS audit,
                (SELECT json_agg(o.value) FROM outbox o WHERE o.key = ANY($2)) AS outbox,
                (SELECT json_agg(s.doc::text) FROM supervisor.case_search s WHERE s.case_id = ANY($2)) AS search`, [done, [done, escalated]])).rows[0]);
      expect(everything).not.toMatch(/hank/i);
      expect(await searchable(done)).toBe(false);
      expect(await db.count('trace', done)).toBeGreaterThan(0); // rows stay for token and cost figures, data is gone
      expect(await db.status(inFlight)).toBe('RECEIVED');
      expect((await db.pool.query(`SELECT ticket->'requester'->>'email' AS e FROM supervisor.cases WHERE case_id = $1`, [inFlight])).rows[0].e).toBe(email);
      expect((await db.pool.query(`SELECT ticket->'requester'->>'email' AS e FROM supervisor.cases WHERE case_id = $1`, [other])).rows[0].e).toBe(`peggy.${run}@globex.example`);
      const otherAudit = await db.pool.query('SELECT arguments, erased_at FROM gateway.audit_log WHERE case_id = $1', [other]);
      expect(otherAudit.rows.every((r) => r.arguments && r.erased_at === null)).toBe(true);
      expect((await store.listChunks(collection, { tenantId: 'globex' })).map((c) => c.documentId).sort()).toEqual([`${REMEMBERED_PREFIX}${other}`]);

      const lines: string[] = [];
      expect(await runVerifyAudit(db.pool, (l) => lines.push(l))).toBe(0);
      expect(lines[0]).toMatch(/^OK \d+ audit rows, chain intact/);

      // The supervisor that had the escalated case cached is refused by version and re-reads the erased case.
      const close: Envelope<SupervisorCommand> = {
        id: randomUUID(), type: 'supervisor.command', version: 1, caseId: escalated, tenantId: 'globex', region: 'us-east-1', correlationId: escalated,
        causationId: null, attempt: 0, occurredAt: new Date().toISOString(), payload: { command: 'close', by: { userId: 'ana', role: 'supervisor' }, note: 'erased' },
      };
      expect(await cached.onCommand(close)).toBe('applied');
      const closed = (await db.pool.query('SELECT status, ticket, context FROM supervisor.cases WHERE case_id = $1', [escalated])).rows[0];
      expect(closed.status).toBe('CLOSED');
      expect(JSON.stringify(closed)).not.toMatch(/hank/i);
    });

    it('the audit trigger allows only the erasure of a version-2 row\'s payloads', async () => {
      const caseId = await newCase('globex');
      await callsFor(caseId, 'globex', `x.${run}@globex.example`);
      const { rows } = await db.pool.query<{ id: string }>('SELECT id::text AS id FROM gateway.audit_log WHERE case_id = $1 ORDER BY id', [caseId]);
      const id = rows[0]!.id;
      await expect(db.pool.query(`UPDATE gateway.audit_log SET decision = 'denied' WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`UPDATE gateway.audit_log SET arguments = NULL, result = NULL, salt = NULL, erased_at = now(), outcome = 'error' WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`UPDATE gateway.audit_log SET arguments = '{"tenantId":"globex"}', erased_at = now() WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(db.pool.query('DELETE FROM gateway.audit_log WHERE id = $1', [id])).rejects.toThrow(/append-only/);
      const { rows: legacy } = await db.pool.query<{ id: string }>('SELECT id::text AS id FROM gateway.audit_log WHERE hash_version = 1 LIMIT 1');
      if (legacy[0]) {
        await expect(db.pool.query(`UPDATE gateway.audit_log SET arguments = NULL, result = NULL, salt = NULL, erased_at = now() WHERE id = $1`, [legacy[0].id])).rejects.toThrow(/append-only/);
      }
      await db.pool.query(`UPDATE gateway.audit_log SET arguments = NULL, result = NULL, salt = NULL, erased_at = now() WHERE id = $1`, [id]);
      expect(await runVerifyAudit(db.pool, () => undefined)).toBe(0);
    });

    it('erases a whole tenant, including audit rows of calls outside its known cases and all its remembered resolutions', async () => {
      const tenant = `erase-${run}`;
      const a = await newCase(tenant);
      const b = await newCase(tenant);
      await setCase(a, 'CLOSED', 0);
      await setCase(b, 'FAILED', 0);
      await callsFor(a, tenant, `ann.${run}@t.example`);
      await callsFor(`case_${'0'.repeat(23)}1`, tenant, `bob.${run}@t.example`); // a case this database does not hold
      await memory.rememberResolution({ caseId: `case_${'f'.repeat(24)}`, tenantId: tenant, intent: 'how_to', summary: 'old', ticketText: 'Bob asked', actions: [] });

      const report = await new ErasureService(db.pool, { memory: { store, collection } }).erase({ tenant });
      expect(report.cases).toEqual([a, b].sort());
      expect(report.rows).toMatchObject({ auditErased: 4, memoryDocuments: 1 });
      const left = await db.pool.query(`SELECT count(*)::int AS n FROM gateway.audit_log WHERE tenant_id = $1 AND erased_at IS NULL`, [tenant]);
      expect(left.rows[0].n).toBe(0);
      expect(await store.listChunks(collection, { tenantId: tenant })).toEqual([]);
      expect(await runVerifyAudit(db.pool, () => undefined)).toBe(0);
    });
  });

  describe('npm run erase (the CLI, as a process)', () => {
    const ROOT = join(__dirname, '..', '..', '..');
    const erase = (args: string[]) => promisify(execFile)(process.execPath, ['-r', join(ROOT, 'libs/llm/test/support/swc-register.js'), join(ROOT, 'apps/supervisor/src/cli/erase.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: TEST_DATABASE_URL, MEMORY_COLLECTION: `erasecli_${run.replace(/[^a-z0-9]/g, '')}` }, cwd: ROOT,
    }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

    it('erases a requester and prints what it did; exit 3 while a case is still in flight, 64 on bad usage', async () => {
      const email = `cli.${run}@globex.example`;
      const done = await newCase('globex', { requester: { email } });
      const busy = await newCase('globex', { requester: { email } });
      await setCase(done, 'CLOSED', 0);
      await db.pool.query('UPDATE outbox SET sent_at = now() WHERE key = ANY($1)', [[done, busy]]); // as the relay would
      const out = await erase(['--requester', email, '--json']);
      expect(out.code).toBe(3);
      const report = JSON.parse(out.stdout) as { cases: string[]; inFlight: Array<{ caseId: string }>; gateway: boolean };
      expect(report).toMatchObject({ cases: [done], inFlight: [{ caseId: busy }], gateway: true });
      expect((await db.pool.query(`SELECT ticket->'requester'->>'email' AS e FROM supervisor.cases WHERE case_id = $1`, [done])).rows[0].e).toBe(ERASED_EMAIL);

      await setCase(busy, 'CLOSED', 0);
      const again = await erase(['--requester', email]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^erased requester ${email.replace(/\./g, '\\.')}: 1 case\\(s\\)`));
      expect((await erase(['--tenant', 'x', '--requester', email])).code).toBe(64);
      expect((await erase([])).stderr).toContain('usage: npm run erase');
    });
  });
});
