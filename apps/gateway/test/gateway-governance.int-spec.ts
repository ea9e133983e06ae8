// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
// Issue 16's acceptance items for the gateway: an approved refund cannot be held or run a second time in the same
// case; two refunds that together pass the threshold need approval; a re-worded retry of the same write is replayed;
// a superseded task's token is refused.
import { join } from 'node:path';
import { CatalogError } from '../src/catalog/tool-catalog';
import { bindTaskToken } from '@switchboard/task-tokens';
import { AGENT_KEYS, catalogVariant, newCaseId, startStack, type Stack } from './gateway-harness';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, 'fixtures');
const refund = (invoiceId: string, amount: number, reason = 'customer was charged twice') => ({ tenantId: 'globex', invoiceId, amount, reason });
const call = (args: Record<string, unknown>, toolCallId = 'call_1', step = 1, extra: Record<string, unknown> = {}) => ({ toolCallId, step, arguments: args, ...extra });

describe('gateway governance: effects, single-use approvals, cumulative limits, superseded tokens', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.acme.reseed();
    await s.resetWriteHistory();
    s.resetRateLimits();
  });

  const backendCalls = async (operation: string): Promise<number> => (await s.acme.call('GET', '/admin/stats')).body.calls[operation] ?? 0;
  const refundsOf = async (invoiceId: string): Promise<Array<{ amount: number; reason: string }>> =>
    (await s.acme.call('GET', `/tenants/globex/invoices/${invoiceId}`)).body.refunds;
  const approvalsOf = async (caseId: string): Promise<Array<{ id: string; status: string }>> =>
    (await s.db.query('SELECT id, status FROM gateway.approvals WHERE case_id = $1 ORDER BY created_at', [caseId])).rows;

  describe('a re-worded retry of the same write is replayed', () => {
    it('replays a refund asked again with other free text, another call id and step, from a re-dispatched task', async () => {
      const caseId = newCaseId();
      const first = await s.invoke('issue_refund', call(refund('inv_globex_1001', 40)), await s.token({ caseId, taskId: 'task_1', seq: 1 }));
      expect(first.body).toMatchObject({ status: 'ok', replayed: false, result: { amount: 40 } });
      const reworded = await s.invoke('issue_refund', call(refund('inv_globex_1001', 40, 'refund the duplicate seat please'), 'call_x', 7), await s.token({ caseId, taskId: 'task_2', seq: 2 }));
      expect(reworded.body).toMatchObject({ status: 'ok', replayed: true, result: first.body.result });
      expect(await backendCalls('issueRefund')).toBe(1);
      expect(await refundsOf('inv_globex_1001')).toEqual([expect.objectContaining({ amount: 40, reason: 'customer was charged twice' })]);
      const audit = await s.db.query(`SELECT decision FROM gateway.audit_log WHERE case_id = $1 AND tool = 'issue_refund' ORDER BY id`, [caseId]);
      expect(audit.rows.map((r) => r.decision)).toEqual(['allowed', 'replayed']);
    });

    it('after a transient failure, the re-worded retry re-sends the first attempt\'s arguments under the same Idempotency-Key', async () => {
      const token = await s.token();
      await s.acme.call('POST', '/admin/faults', { operation: 'issueRefund', mode: 'unavailable', times: 1 });
      const down = await s.invoke('issue_refund', call(refund('inv_globex_1001', 30, 'first wording')), token);
      expect(down.body.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', retryable: true });
      const retry = await s.invoke('issue_refund', call(refund('inv_globex_1001', 30, 'second, different wording'), 'call_2', 2), token);
      expect(retry.body).toMatchObject({ status: 'ok', replayed: false, result: { amount: 30, reason: 'first wording' } });
      expect(await refundsOf('inv_globex_1001')).toEqual([expect.objectContaining({ amount: 30, reason: 'first wording' })]);
      expect(await backendCalls('issueRefund')).toBe(2);
    });

    it('a different effect (other amount) in the same case is a different write', async () => {
      const token = await s.token();
      expect((await s.invoke('issue_refund', call(refund('inv_globex_1001', 20)), token)).body.replayed).toBe(false);
      expect((await s.invoke('issue_refund', call(refund('inv_globex_1001', 25)), token)).body.replayed).toBe(false);
      expect((await refundsOf('inv_globex_1001')).map((r) => r.amount)).toEqual([20, 25]);
    });
  });

  describe('an approved refund cannot be held or run a second time in the same case', () => {
    it('the follow-up run proposing the identical refund again gets the executed result, not a new hold', async () => {
      const caseId = newCaseId();
      const held = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150)), await s.token({ caseId, seq: 1 }));
      expect(held.body).toMatchObject({ status: 'held' });
      const approvalId: string = held.body.approvalId;
      await s.admin.approve(approvalId, 'alice@support');
      const executor = await s.token({ caseId, seq: 2 });
      const run = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150), `approved-${approvalId}`, 0, { approvalId }), executor);
      expect(run.body).toMatchObject({ status: 'ok', replayed: false, result: { amount: 150 } });

      // The resolver's follow-up run proposes the same refund again, worded differently: replayed, never held.
      const followUp = await s.token({ caseId, seq: 3 });
      const again = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150, 'refund of the 150 as discussed'), 'call_9', 4), followUp);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'ok', replayed: true, result: run.body.result });
      // Executing the approval a second time replays as well.
      const twice = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150), 'call_10', 5, { approvalId }), followUp);
      expect(twice.body).toMatchObject({ status: 'ok', replayed: true });
      expect(await approvalsOf(caseId)).toEqual([{ id: approvalId, status: 'executed' }]);
      expect(await refundsOf('inv_globex_1001')).toEqual([expect.objectContaining({ amount: 150 })]);
      expect(await backendCalls('issueRefund')).toBe(1);
    });

    it('an approval runs only for its own effect; a re-proposal before execution finds the same hold', async () => {
      const caseId = newCaseId();
      const token = await s.token({ caseId });
      const held = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150)), token);
      const reworded = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150, 'please refund 150'), 'call_2', 2), token);
      expect(reworded.body).toMatchObject({ status: 'held', approvalId: held.body.approvalId });
      await s.admin.approve(held.body.approvalId, 'alice@support');
      s.resetRateLimits();
      const other = await s.invoke('issue_refund', call(refund('inv_globex_1001', 160), 'call_3', 3, { approvalId: held.body.approvalId }), token);
      expect(other.body.error).toMatchObject({ code: 'APPROVAL_INVALID', message: expect.stringContaining('another effect') });
      // Proposed again without the approval id (and re-worded): it runs under the approval, with the approved wording.
      const run = await s.invoke('issue_refund', call(refund('inv_globex_1001', 150, 'third wording'), 'call_4', 4), token);
      expect(run.body).toMatchObject({ status: 'ok', replayed: false, result: { amount: 150, reason: 'customer was charged twice' } });
      expect(await approvalsOf(caseId)).toEqual([{ id: held.body.approvalId, status: 'executed' }]);
      const audit = await s.db.query(`SELECT decision, approval_id FROM gateway.audit_log WHERE case_id = $1 AND outcome = 'ok'`, [caseId]);
      expect(audit.rows).toEqual([{ decision: 'approved', approval_id: held.body.approvalId }]);
    });

    it('after a rejection the same effect asks a human again (a new hold); the rejected approval never runs', async () => {
      const caseId = newCaseId();
      const token = await s.token({ caseId });
      const held = await s.invoke('issue_refund', call(refund('inv_globex_1001', 180)), token);
      await s.admin.reject(held.body.approvalId, 'bob@support', 'not eligible');
      const again = await s.invoke('issue_refund', call(refund('inv_globex_1001', 180)), token);
      expect(again.body.status).toBe('held');
      expect(again.body.approvalId).not.toBe(held.body.approvalId);
      expect((await approvalsOf(caseId)).map((a) => a.status)).toEqual(['rejected', 'pending']);
      expect(await backendCalls('issueRefund')).toBe(0);
    });
  });

  describe('two refunds that together pass the threshold need approval', () => {
    it('in one case: 60 then 50 on another invoice, the second is held and runs once approved', async () => {
      const caseId = newCaseId();
      const token = await s.token({ caseId });
      expect((await s.invoke('issue_refund', call(refund('inv_globex_1001', 60)), token)).body).toMatchObject({ status: 'ok' });
      const second = await s.invoke('issue_refund', call(refund('inv_globex_1003', 50), 'call_2', 2), token);
      expect(second.status).toBe(202);
      expect(second.body.reason).toBe('issue_refund: amount 50 would bring the total in this case to 110, above the approval limit 100');
      expect(await refundsOf('inv_globex_1003')).toHaveLength(1); // the seeded one only
      await s.admin.approve(second.body.approvalId, 'alice@support');
      const run = await s.invoke('issue_refund', call(refund('inv_globex_1003', 50), 'call_3', 3, { approvalId: second.body.approvalId }), token);
      expect(run.body).toMatchObject({ status: 'ok', result: { amount: 50 } });
    });

    it('on one invoice across cases: a second case\'s refund that takes the invoice above 100 is held', async () => {
      expect((await s.invoke('issue_refund', call(refund('inv_globex_1001', 60)), await s.token())).body.status).toBe('ok');
      const other = await s.invoke('issue_refund', call(refund('inv_globex_1001', 60)), await s.token());
      expect(other.body).toMatchObject({ status: 'held', reason: expect.stringContaining('for invoiceId "inv_globex_1001" to 120') });
      // A business rejection changed nothing and does not count (inv_globex_1002 is unpaid).
      expect((await s.invoke('issue_refund', call({ ...refund('inv_globex_1002', 90) }), await s.token())).body.error.code).toBe('BACKEND_REJECTED');
      expect((await s.invoke('issue_refund', call(refund('inv_globex_1003', 40)), await s.token())).body.status).toBe('ok');
    });

    it('concurrent refunds cannot both slip under the limit (the decision is serialised per tenant and tool)', async () => {
      const caseId = newCaseId();
      const token = await s.token({ caseId });
      const results = await Promise.all([
        s.invoke('issue_refund', call(refund('inv_globex_1001', 60), 'a'), token),
        s.invoke('issue_refund', call(refund('inv_globex_1003', 50), 'b'), token),
      ]);
      expect(results.map((r) => r.body.status).sort()).toEqual(['held', 'ok']);
      expect(await backendCalls('issueRefund')).toBe(1);
    });

    it('concurrent refunds of one invoice from five cases: exactly as many run as fit under the per-invoice limit', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, async () => s.invoke('issue_refund', call(refund('inv_globex_1001', 30)), await s.token())));
      expect(results.map((r) => r.body.status).sort()).toEqual(['held', 'held', 'ok', 'ok', 'ok']);
      expect((await refundsOf('inv_globex_1001')).map((r) => r.amount)).toEqual([30, 30, 30]);
    });

    it('per tenant and day (a catalogue with only that limit): the rolling 24 hours count, older refunds do not', async () => {
      const gw = await s.startGateway({ GATEWAY_CATALOG_PATH: join(FIXTURES, 'tenant-day.tools.yaml') });
      const invoke = async (args: Record<string, unknown>) => {
        const res = await fetch(`${gw.url}/v1/tools/issue_refund/invoke`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.token()}` }, body: JSON.stringify(call(args)),
        });
        return (await res.json()) as { status: string; reason?: string };
      };
      expect((await invoke(refund('inv_globex_1001', 60))).status).toBe('ok');
      expect((await invoke(refund('inv_globex_1003', 40))).status).toBe('ok');
      expect(await invoke(refund('inv_globex_1001', 1))).toMatchObject({ status: 'held', reason: expect.stringContaining('for this tenant in the last 24 hours to 101') });
      await s.db.query(`UPDATE gateway.write_ledger SET created_at = now() - interval '25 hours' WHERE tenant_id = 'globex'`);
      expect((await invoke(refund('inv_globex_1001', 2))).status).toBe('ok');
    });

    it('a cumulative limit in report-only mode holds nothing: each write over it runs and leaves a reported verdict', async () => {
      // The same catalogue with its tenant-day limit switched to report (a new limit watched before it enforces).
      const path = catalogVariant(join(FIXTURES, 'tenant-day.tools.yaml'), '- { per: tenant-day, amountAbove: 100 }', '- { per: tenant-day, amountAbove: 100, mode: report }');
      const gw = await s.startGateway({ GATEWAY_CATALOG_PATH: path });
      const caseId = newCaseId();
      const token = await s.token({ caseId });
      const invoke = async (args: Record<string, unknown>) => {
        const res = await fetch(`${gw.url}/v1/tools/issue_refund/invoke`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(call(args)),
        });
        return (await res.json()) as { status: string };
      };
      expect((await invoke(refund('inv_globex_1001', 60))).status).toBe('ok');
      expect((await invoke(refund('inv_globex_1001', 50))).status).toBe('ok'); // 110 > 100: would have been held
      expect((await invoke(refund('inv_globex_1003', 20))).status).toBe('ok'); // 130
      expect((await refundsOf('inv_globex_1001')).map((r) => r.amount)).toEqual([60, 50]);
      const verdicts = (await s.admin.verdicts(caseId)).filter((v) => v.decision === 'reported');
      expect(verdicts).toEqual([
        expect.objectContaining({ tool: 'issue_refund', rule: 'APPROVAL_REQUIRED', ruleVersion: expect.stringMatching(/^tool:issue_refund@[0-9a-f]{12}$/) }),
        expect.objectContaining({ tool: 'issue_refund', rule: 'APPROVAL_REQUIRED' }),
      ]);
      const { rows } = await s.db.query(`SELECT result->>'message' AS message FROM gateway.audit_log WHERE case_id = $1 AND decision = 'reported' ORDER BY id`, [caseId]);
      expect(rows.map((r) => r.message)).toEqual([
        expect.stringMatching(/^report-only: issue_refund: amount 50 would bring the total for this tenant in the last 24 hours to 110, above the approval limit 100/),
        expect.stringMatching(/to 130, above the approval limit 100/),
      ]);
      expect(await s.db.query(`SELECT 1 FROM gateway.approvals WHERE case_id = $1`, [caseId]).then((r) => r.rowCount)).toBe(0);
    });
  });

  describe("a superseded task's token is refused", () => {
    it('once a newer task of the case has called, the older token is refused for reads, writes and listing', async () => {
      const caseId = newCaseId();
      const old = await s.token({ caseId, taskId: 'task_old', seq: 4 });
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), old)).body.status).toBe('ok');
      const newer = await s.token({ caseId, taskId: 'task_new', seq: 5 });
      expect((await s.client(newer).listTools()).length).toBeGreaterThan(0);

      const read = await s.invoke('get_cache_status', call({ tenantId: 'globex' }), old);
      expect(read.status).toBe(401);
      expect(read.body.error).toMatchObject({ code: 'TOKEN_SUPERSEDED', retryable: false, message: expect.stringContaining('superseded by task task_new (seq 5)') });
      const write = await s.invoke('reset_tenant_cache', call({ tenantId: 'globex' }), old);
      expect(write.body.error.code).toBe('TOKEN_SUPERSEDED');
      expect(await backendCalls('resetCache')).toBe(0);
      await expect(s.client(old).listTools()).rejects.toMatchObject({ gatewayCode: 'TOKEN_SUPERSEDED' });
      // The newer task, and other cases at any seq, are unaffected.
      expect((await s.invoke('reset_tenant_cache', call({ tenantId: 'globex' }), newer)).body.status).toBe('ok');
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), await s.token({ seq: 1 }))).body.status).toBe('ok');
      const denied = await s.db.query(`SELECT count(*)::int AS n FROM gateway.audit_log WHERE case_id = $1 AND error_code = 'TOKEN_SUPERSEDED'`, [caseId]);
      expect(denied.rows[0].n).toBe(2);
    });

    it('a newer task seen by another gateway replica supersedes the old token here, whatever this replica remembers', async () => {
      const caseId = newCaseId();
      const other = await s.startGateway();
      const onOther = (tool: string, token: string) => fetch(`${other.url}/v1/tools/${tool}/invoke`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(call({ tenantId: 'globex' })),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { status?: string; error?: { code: string } } }));
      const old = await s.token({ caseId, taskId: 'task_old', seq: 7 });
      // This replica records seq 7 and remembers it; the other replica then sees seq 8 first.
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), old)).body.status).toBe('ok');
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), old)).body.status).toBe('ok');
      const newer = await s.token({ caseId, taskId: 'task_new', seq: 8 });
      expect((await onOther('get_cache_status', newer)).body.status).toBe('ok');
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), old)).body.error.code).toBe('TOKEN_SUPERSEDED');
      // The newer task works here too (the case's seq is already 8: read, not raised), and the old one on the other replica is refused.
      expect((await s.invoke('get_cache_status', call({ tenantId: 'globex' }), newer)).body.status).toBe('ok');
      expect((await onOther('get_cache_status', old)).body.error?.code).toBe('TOKEN_SUPERSEDED');
      const { rows } = await s.db.query('SELECT seq::int AS seq, task_id FROM gateway.case_task_seq WHERE case_id = $1', [caseId]);
      expect(rows).toEqual([{ seq: 8, task_id: 'task_new' }]);
    });

    it('a write in flight when the newer task starts finishes first; the newer task waits for it, then the old token is refused', async () => {
      const caseId = newCaseId();
      const old = await s.token({ caseId, taskId: 'task_old', seq: 1 });
      await s.acme.call('POST', '/admin/faults', { operation: 'resetCache', mode: 'slow', delayMs: 1500, times: 1 });
      const write = s.invoke('reset_tenant_cache', call({ tenantId: 'globex' }), old);
      // The backend has the call (it sleeps 1.5 s before answering): the gateway is inside the write transaction, and the
      // write's ledger row is committed as pending.
      const deadline = Date.now() + 10_000;
      while ((await backendCalls('resetCache')) === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      const ledger = async () => (await s.db.query<{ status: string }>('SELECT status FROM gateway.write_ledger WHERE case_id = $1', [caseId])).rows.map((r) => r.status);
      expect(await ledger()).toEqual(['pending']);
      // What the newer task's first call saw of the write when it was let through. Not the order of the two HTTP answers:
      // once the write commits, either answer may reach this client first.
      const listed = s.client(await s.token({ caseId, taskId: 'task_new', seq: 2 })).listTools().then(ledger);
      const [written, seenWhenListed] = await Promise.all([write, listed]);
      expect(written.body).toMatchObject({ status: 'ok', replayed: false });
      expect(seenWhenListed).toEqual(['done']);
      expect((await s.invoke('reset_tenant_cache', call({ tenantId: 'globex' }), old)).body.error.code).toBe('TOKEN_SUPERSEDED');
    });

    it('refuses a token without a seq claim unless GATEWAY_REQUIRE_TASK_SEQ=false', async () => {
      const noSeq = await s.issuer.issue({
        caseId: newCaseId(), taskId: 'task_legacy', tenantId: 'globex', region: 'us-east-1', agent: 'resolver', mode: 'autonomous', tools: ['*'], scopes: ['read'],
      }, 300);
      const refused = await s.invoke('get_tenant', call({ tenantId: 'globex' }), noSeq);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('seq') });
      const lenient = await s.startGateway({ GATEWAY_REQUIRE_TASK_SEQ: 'false' });
      const res = await fetch(`${lenient.url}/v1/tools/get_tenant/invoke`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bindTaskToken(noSeq, AGENT_KEYS.resolver)}` }, body: JSON.stringify(call({ tenantId: 'globex' })),
      });
      expect(res.status).toBe(200);
    });
  });

  it('refuses to start with a tool that binds no tenant argument', async () => {
    await expect(s.startGateway({ GATEWAY_CATALOG_PATH: join(FIXTURES, 'no-tenant.tools.yaml') })).rejects.toThrow(CatalogError);
    await expect(s.startGateway({ GATEWAY_CATALOG_PATH: join(FIXTURES, 'no-tenant.tools.yaml') })).rejects.toMatchObject({
      problems: expect.arrayContaining([expect.stringContaining('input must have a required string "tenantId" property')]),
    });
  });
});
