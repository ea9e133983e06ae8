// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
import { ADMIN_KEY, newCaseId, startStack, withAuditRefused, type Stack } from './gateway-harness';

jest.setTimeout(60_000);

const refundArgs = (amount: number) => ({ tenantId: 'globex', invoiceId: 'inv_globex_1001', amount, reason: 'customer was charged twice' });

describe('gateway writes: exactly once, approval holds', () => {
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

  it('a write retried 5 times reaches the backend once and every retry returns the first result', async () => {
    const token = await s.token({ tenantId: 'acme-eu' });
    const body = { toolCallId: 'call_reset', step: 3, arguments: { tenantId: 'acme-eu' } };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await s.invoke('reset_tenant_cache', body, token));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.map((r) => r.body.replayed)).toEqual([false, true, true, true, true]);
    for (const r of results) expect(r.body.result).toEqual(results[0]!.body.result);
    expect(await backendCalls('resetCache')).toBe(1);
    expect((await s.acme.call('GET', '/tenants/acme-eu/cache')).body).toMatchObject({ status: 'fresh', version: 42 });
  });

  it('5 concurrent retries of one write also reach the backend once (the ledger row lock serialises them)', async () => {
    const token = await s.token({ tenantId: 'initech' });
    const body = { toolCallId: 'call_extend', step: 2, arguments: { tenantId: 'initech', days: 7 } };
    const results = await Promise.all(Array.from({ length: 5 }, () => s.invoke('extend_trial', body, token)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.replayed === false)).toHaveLength(1);
    expect(await backendCalls('extendTrial')).toBe(1);
    expect((await s.acme.call('GET', '/tenants/initech/trial')).body).toMatchObject({ extensions: 1, lastExtensionDays: 7 });
  });

  it('a redelivered task (new task id) or a later step asking for the same effect in the same case collapses onto the first write', async () => {
    const caseId = newCaseId();
    const body = { toolCallId: 'call_1', step: 1, arguments: { tenantId: 'acme-eu' } };
    const first = await s.invoke('reset_tenant_cache', body, await s.token({ tenantId: 'acme-eu', caseId, taskId: 'task_a' }));
    const redelivered = await s.invoke('reset_tenant_cache', body, await s.token({ tenantId: 'acme-eu', caseId, taskId: 'task_b' }));
    expect(first.body.replayed).toBe(false);
    expect(redelivered.body).toMatchObject({ status: 'ok', replayed: true });
    // Writes are keyed on their effect: another step or call id asking for the same reset in this case replays it.
    const next = await s.invoke('reset_tenant_cache', { ...body, toolCallId: 'call_9', step: 2 }, await s.token({ tenantId: 'acme-eu', caseId }));
    expect(next.body).toMatchObject({ status: 'ok', replayed: true });
    expect(await backendCalls('resetCache')).toBe(1);
    // The same effect in another case is another write.
    const other = await s.invoke('reset_tenant_cache', body, await s.token({ tenantId: 'acme-eu' }));
    expect(other.body.replayed).toBe(false);
    expect(await backendCalls('resetCache')).toBe(2);
  });

  it('a business rejection is final and replayed too; a backend outage is not stored, so the retry runs', async () => {
    const token = await s.token();
    const body = { toolCallId: 'call_unlock', step: 1, arguments: { tenantId: 'globex', email: 'hank@globex.example' } };
    await s.acme.call('POST', '/admin/faults', { operation: 'unlockUser', mode: 'unavailable', times: 1 });
    const down = await s.invoke('unlock_account', body, token);
    expect(down.body.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', retryable: true });
    const retry = await s.invoke('unlock_account', body, token);
    expect(retry.body).toMatchObject({ status: 'ok', replayed: false, result: { locked: false } });
    const bob = { toolCallId: 'call_bob', step: 2, arguments: { tenantId: 'globex', email: 'bob@globex.example' } };
    const rejected = await s.invoke('unlock_account', bob, token);
    expect(rejected.body.error.code).toBe('BACKEND_REJECTED');
    const again = await s.invoke('unlock_account', bob, token);
    expect(again.body).toEqual(rejected.body);
    expect(await backendCalls('unlockUser')).toBe(3);
  });

  it('sends the idempotency key to the backend too (Idempotency-Key header)', async () => {
    const token = await s.token({ tenantId: 'acme-eu' });
    await s.invoke('set_feature_flag', { toolCallId: 'c1', step: 1, arguments: { tenantId: 'acme-eu', flag: 'audit-export', enabled: true } }, token);
    const { rows } = await s.acme.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM acme.idempotency_keys');
    expect(rows[0]!.n).toBe(1);
  });

  it('a refund at or under the threshold runs at once; above it is held, and runs only after approval with the approved arguments, once', async () => {
    const caseId = newCaseId();
    const resolver = await s.token({ caseId });
    const small = await s.invoke('issue_refund', { toolCallId: 'small', step: 1, arguments: refundArgs(100) }, resolver);
    expect(small.body).toMatchObject({ status: 'ok', result: { amount: 100, remaining: 150 } });

    const held = await s.invoke('issue_refund', { toolCallId: 'big', step: 2, arguments: refundArgs(150) }, resolver);
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ status: 'held', tool: 'issue_refund', reason: expect.stringContaining('threshold 100') });
    const approvalId: string = held.body.approvalId;
    expect(await backendCalls('issueRefund')).toBe(1);
    // Proposing the same write again returns the same hold instead of piling up approvals.
    const again = await s.invoke('issue_refund', { toolCallId: 'big-again', step: 3, arguments: refundArgs(150) }, resolver);
    expect(again.body.approvalId).toBe(approvalId);

    const executing = await s.token({ caseId, taskId: 'task_after_approval' });
    const early = await s.invoke('issue_refund', { toolCallId: `approved-${approvalId}`, step: 0, arguments: refundArgs(150), approvalId }, executing);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('APPROVAL_REQUIRED');

    expect(await s.client(resolver).getApproval(approvalId)).toMatchObject({ status: 'pending', arguments: refundArgs(150) });
    const approved = await s.admin.approve(approvalId, 'alice@support');
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'alice@support' });
    s.resetRateLimits(); // a human decision takes minutes; issue_refund's bucket (5, +0.1/s) has refilled by then

    const changed = await s.invoke('issue_refund', { toolCallId: `approved-${approvalId}`, step: 0, arguments: refundArgs(149.99), approvalId }, executing);
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'APPROVAL_INVALID', message: expect.stringContaining('is for another effect') });
    expect(await backendCalls('issueRefund')).toBe(1);

    const run = await s.invoke('issue_refund', { toolCallId: `approved-${approvalId}`, step: 0, arguments: refundArgs(150), approvalId }, executing);
    expect(run.body).toMatchObject({ status: 'ok', replayed: false, result: { amount: 150, remaining: 0 } });
    const rerun = await s.invoke('issue_refund', { toolCallId: 'another-id', step: 9, arguments: refundArgs(150), approvalId }, executing);
    expect(rerun.body).toMatchObject({ status: 'ok', replayed: true, result: { amount: 150 } });
    expect(await backendCalls('issueRefund')).toBe(2);
    expect((await s.admin.get(approvalId)).status).toBe('executed');
    const invoice = (await s.acme.call('GET', '/tenants/globex/invoices/inv_globex_1001')).body;
    expect(invoice.refunds.map((r: { amount: number }) => r.amount)).toEqual([100, 150]);
  });

  it('previews a held refund: the invoice read now beside what it will read after, audited; only while pending, only with the service key', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    await s.invoke('issue_refund', { toolCallId: 'part', step: 1, arguments: refundArgs(40) }, token);
    const held = await s.invoke('issue_refund', { toolCallId: 'big', step: 2, arguments: refundArgs(150) }, token);
    const approvalId: string = held.body.approvalId;

    const preview = await s.admin.preview(approvalId);

    expect(preview).toMatchObject({ approvalId, tool: 'issue_refund', caseId, tenantId: 'globex', arguments: refundArgs(150), read: { tool: 'get_invoice', arguments: { tenantId: 'globex', invoiceId: 'inv_globex_1001' } } });
    expect(preview.fields).toEqual([
      { path: 'amount', label: 'Invoice amount', before: 250, after: 250, changes: false },
      { path: 'status', label: 'Invoice status', before: 'paid', after: 'paid', changes: false },
      { path: 'refundedTotal', label: 'Refunded so far', before: 40, after: 190, changes: true },
      { path: 'remaining', label: 'Refundable amount', before: 210, after: 60, changes: true },
    ]);
    const { rows } = await s.db.query(`SELECT agent, tool, decision, outcome, approval_id FROM gateway.audit_log WHERE case_id = $1 AND agent = 'approval-preview'`, [caseId]);
    expect(rows).toEqual([{ agent: 'approval-preview', tool: 'get_invoice', decision: 'allowed', outcome: 'ok', approval_id: approvalId }]);
    expect(await backendCalls('issueRefund')).toBe(1);

    // A preview whose read cannot be audited is not shown.
    await expect(withAuditRefused(s.db, caseId, 'approval-preview', () => s.admin.preview(approvalId)))
      .rejects.toMatchObject({ gatewayCode: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('audit log') });

    const asAgent = await fetch(`${s.url}/v1/approvals/${approvalId}/preview`, { headers: { authorization: `Bearer ${token}` } });
    expect(asAgent.status).toBe(401);
    await s.admin.reject(approvalId, 'bob@support', 'not eligible');
    await expect(s.admin.preview(approvalId)).rejects.toMatchObject({ gatewayCode: 'APPROVAL_INVALID', message: expect.stringContaining('only a pending approval has a preview') });
  });

  it('a rejected approval never executes; a decided approval cannot be re-decided', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    const held = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(200) }, token);
    const approvalId: string = held.body.approvalId;
    await s.admin.reject(approvalId, 'bob@support', 'customer not eligible');
    const run = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(200), approvalId }, token);
    expect(run.body.error).toMatchObject({ code: 'APPROVAL_INVALID', message: expect.stringContaining('not eligible') });
    await expect(s.admin.approve(approvalId, 'alice@support')).rejects.toMatchObject({ gatewayCode: 'APPROVAL_INVALID' });
    expect(await backendCalls('issueRefund')).toBe(0);
  });

  it('an expired approval is refused with the reason; approvals are bound to their case', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    const held = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(120) }, token);
    const approvalId: string = held.body.approvalId;
    await s.admin.approve(approvalId, 'alice@support');
    const otherCase = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(120), approvalId }, await s.token());
    expect(otherCase.body.error.code).toBe('APPROVAL_INVALID');
    await s.db.query(`UPDATE gateway.approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [approvalId]);
    const late = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(120), approvalId }, token);
    expect(late.body.error).toMatchObject({ code: 'APPROVAL_INVALID', message: expect.stringContaining('expired') });
    expect((await s.admin.get(approvalId)).status).toBe('expired');
    expect(await backendCalls('issueRefund')).toBe(0);
  });

  it('a task token may read its own approval but not another case\'s', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    const held = await s.invoke('issue_refund', { toolCallId: 'r', step: 1, arguments: refundArgs(180) }, token);
    const mine = await fetch(`${s.url}/v1/approvals/${held.body.approvalId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(200);
    const theirs = await fetch(`${s.url}/v1/approvals/${held.body.approvalId}`, { headers: { authorization: `Bearer ${await s.token()}` } });
    expect(theirs.status).toBe(409);
    const bad = await fetch(`${s.url}/v1/approvals/${held.body.approvalId}/approve`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
  });
});
