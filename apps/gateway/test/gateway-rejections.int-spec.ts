// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
import { GatewayAdminClient, GatewayClient } from '@switchboard/gateway-client';
import { signForTest } from './token-forgery';
import { verifyAuditChain } from '../src/audit/audit.repository';
import { ToolCatalog } from '../src/catalog/tool-catalog';
import { ADMIN_KEY, AGENT_KEYS, newCaseId, startStack, TOKEN_SECRET, type Stack } from './gateway-harness';

jest.setTimeout(60_000);

const call = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ toolCallId: 'call_1', step: 1, arguments: args, ...extra });

describe('gateway rejections: every refusal is a structured error, never a 500', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    await s.acme.reseed();
    // Cumulative approval limits sum the tenant's refunds of the last 24 hours, across runs on this database.
    await s.resetWriteHistory();
    s.resetRateLimits();
  });

  it('serves health endpoints (ready checks Postgres)', async () => {
    expect((await fetch(`${s.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: true } });
  });

  it('executes an allowed read and returns the validated backend result', async () => {
    const res = await s.invoke('get_cache_status', call({ tenantId: 'globex' }), await s.token());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', tool: 'get_cache_status', result: { tenantId: 'globex', status: 'fresh' }, replayed: false });
  });

  it.each([
    ['no Authorization header', undefined, 'TOKEN_MISSING'],
    ['a malformed token', 'not-a-jwt', 'TOKEN_INVALID'],
  ])('rejects %s with 401', async (_label, token, code) => {
    const res = await s.invoke('get_tenant', call({ tenantId: 'globex' }), token);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 'error', tool: 'get_tenant', error: { code, retryable: false } });
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const past = Date.now() - 3600_000;
    const expired = signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, iat: Math.floor(past / 1000), exp: Math.floor(past / 1000) + 60 });
    const res = await s.invoke('get_tenant', call({ tenantId: 'globex' }), expired);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('TOKEN_EXPIRED');
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('rejects a forged token (other secret, alg none, edited claims) with TOKEN_INVALID', async () => {
    for (const forged of [
      signForTest({ agentKey: AGENT_KEYS.resolver, secret: 'another-secret-another-secret-another' }),
      signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, alg: 'none' }),
      signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, tamper: { tenantId: 'acme-eu' } }),
      signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { aud: 'someone-else' } }),
    ]) {
      const res = await s.invoke('get_tenant', call({ tenantId: 'globex' }), forged);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('TOKEN_INVALID');
    }
  });

  it('rejects an unknown tool with TOOL_NOT_FOUND, naming the tools the task may use', async () => {
    const res = await s.invoke('drop_database', call({ tenantId: 'globex' }), await s.token({ tools: ['get_tenant'] }));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(res.body.error.message).toContain('get_tenant');
  });

  it('rejects a tool outside the token scope (not listed, or a write with a read-only scope)', async () => {
    const notListed = await s.invoke('get_invoice', call({ tenantId: 'globex', invoiceId: 'inv_globex_1001' }), await s.token({ tools: ['get_tenant'] }));
    expect(notListed.status).toBe(403);
    expect(notListed.body.error.code).toBe('TOOL_NOT_IN_SCOPE');
    const readOnly = await s.invoke('reset_tenant_cache', call({ tenantId: 'globex' }), await s.token({ scopes: ['read'] }));
    expect(readOnly.body.error.code).toBe('TOOL_NOT_IN_SCOPE');
  });

  it('lists the tools a token names, callable only within its scopes', async () => {
    const tools = await s.client(await s.token({ agent: 'verifier', scopes: ['read'] })).listTools();
    expect(tools.filter((t) => t.callable).every((t) => t.scope === 'read')).toBe(true);
    expect(tools.filter((t) => t.scope === 'write').every((t) => t.callable === false)).toBe(true);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['get_invoice', 'issue_refund']));
    const named = await s.client(await s.token({ tools: ['issue_refund', 'get_invoice'] })).listTools();
    expect(named.map((t) => t.name).sort()).toEqual(['get_invoice', 'issue_refund']);
    expect(named.find((t) => t.name === 'issue_refund')?.readBack).toEqual({
      tool: 'get_invoice', arguments: { tenantId: 'tenantId', invoiceId: 'invoiceId' }, expect: [{ path: 'refunds.-1.amount', equalsArgument: 'amount' }],
    });
    const unauth = await fetch(`${s.url}/v1/tools`);
    expect(unauth.status).toBe(401);
    expect(((await unauth.json()) as any).error.code).toBe('TOKEN_MISSING');
  });

  it.each(['shadow', 'assist'] as const)('refuses writes in %s mode and never reaches the backend', async (mode) => {
    const res = await s.invoke('reset_tenant_cache', call({ tenantId: 'acme-eu' }), await s.token({ tenantId: 'acme-eu', mode }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('WRITE_NOT_ALLOWED_IN_MODE');
    expect((await s.acme.call('GET', '/tenants/acme-eu/cache')).body.status).toBe('stale');
    const read = await s.invoke('get_cache_status', call({ tenantId: 'acme-eu' }), await s.token({ tenantId: 'acme-eu', mode }));
    expect(read.body.status).toBe('ok');
  });

  it("tenant A's token cannot read tenant B (TENANT_MISMATCH), nor write to it", async () => {
    const globexToken = await s.token({ tenantId: 'globex' });
    const read = await s.invoke('get_invoice', call({ tenantId: 'acme-eu', invoiceId: 'inv_acme_eu_2401' }), globexToken);
    expect(read.status).toBe(403);
    expect(read.body.error).toMatchObject({ code: 'TENANT_MISMATCH', retryable: false });
    const write = await s.invoke('reset_tenant_cache', call({ tenantId: 'acme-eu' }), globexToken);
    expect(write.body.error.code).toBe('TENANT_MISMATCH');
    expect((await s.acme.call('GET', '/admin/stats')).body.calls).toEqual({});
  });

  it('rejects arguments that fail the input schema with the issues to fix', async () => {
    const token = await s.token();
    const missing = await s.invoke('issue_refund', call({ tenantId: 'globex', invoiceId: 'inv_globex_1001', reason: 'dup' }), token);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('ARGUMENTS_INVALID');
    expect(missing.body.error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'amount' })]));
    const wrongType = await s.invoke('extend_trial', call({ tenantId: 'globex', days: '7' }), token);
    expect(wrongType.body.error.issues[0].path).toBe('days');
    const extra = await s.invoke('get_tenant', call({ tenantId: 'globex', sql: 'DROP TABLE' }), token);
    expect(extra.body.error.code).toBe('ARGUMENTS_INVALID');
    const tooLong = await s.invoke('extend_trial', call({ tenantId: 'globex', days: 90 }), token);
    expect(tooLong.body.error.code).toBe('ARGUMENTS_INVALID');
    const noTenant = await s.invoke('get_tenant', call({}), token);
    expect(noTenant.body.error.issues[0].path).toBe('tenantId');
    // A NUL character used to reach Postgres (jsonb refuses it) as an internal error; a "__proto__" key was hidden by parsing.
    const nul = await s.invoke('issue_refund', call({ tenantId: 'globex', invoiceId: 'inv_globex_1001\u0000', amount: 5, reason: 'dup' }), token);
    expect(nul.status).toBe(400);
    expect(nul.body.error).toMatchObject({ code: 'ARGUMENTS_INVALID', issues: [{ path: 'invoiceId', message: 'a NUL character (\\u0000)' }] });
    const proto = await s.invoke('reset_tenant_cache', '{"toolCallId":"c","step":1,"arguments":{"tenantId":"globex","__proto__":{"admin":true}}}', token);
    expect(proto.body.error).toMatchObject({ code: 'ARGUMENTS_INVALID', issues: [{ path: '__proto__' }] });
    expect((await s.acme.call('GET', '/admin/stats')).body.calls).toEqual({});
  });

  it('rejects a malformed body, a bad invocation shape and an oversized body with structured errors', async () => {
    const token = await s.token();
    const malformed = await s.invoke('get_tenant', '{"toolCallId": ', token);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ status: 'error', tool: 'get_tenant', error: { code: 'ARGUMENTS_INVALID' } });
    const shape = await s.invoke('get_tenant', { arguments: { tenantId: 'globex' } }, token);
    expect(shape.status).toBe(400);
    expect(shape.body.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['toolCallId', 'step']));
    const huge = await s.invoke('get_tenant', call({ tenantId: 'globex', padding: 'x'.repeat(200_000) }), token);
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('ARGUMENTS_INVALID');
  });

  it('maps a backend response that breaks the output schema to OUTPUT_INVALID (wrong shape or not JSON)', async () => {
    const token = await s.token({ tenantId: 'initech' });
    await s.acme.call('POST', '/admin/faults', { operation: 'getTrial', mode: 'wrong_schema', times: 1 });
    const wrong = await s.invoke('get_trial', call({ tenantId: 'initech' }), token);
    expect(wrong.status).toBe(502);
    expect(wrong.body.error.code).toBe('OUTPUT_INVALID');
    expect(wrong.body.error.issues.length).toBeGreaterThan(0);
    await s.acme.call('POST', '/admin/faults', { operation: 'getTenant', mode: 'malformed', times: 1 });
    const html = await s.invoke('get_tenant', call({ tenantId: 'initech' }), token);
    expect(html.body.error.code).toBe('OUTPUT_INVALID');
  });

  it('maps a backend outage to BACKEND_UNAVAILABLE (retryable) and a business rule to BACKEND_REJECTED', async () => {
    const token = await s.token();
    await s.acme.call('POST', '/admin/faults', { operation: 'getCache', mode: 'unavailable', times: 1 });
    const down = await s.invoke('get_cache_status', call({ tenantId: 'globex' }), token);
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', retryable: true });
    const rule = await s.invoke('issue_refund', call({ tenantId: 'globex', invoiceId: 'inv_globex_1002', amount: 10, reason: 'unpaid invoice' }), token);
    expect(rule.status).toBe(422);
    expect(rule.body.error.code).toBe('BACKEND_REJECTED');
    expect(rule.body.error.message).toContain('INVOICE_NOT_PAID');
    const unknown = await s.invoke('get_invoice', call({ tenantId: 'globex', invoiceId: 'inv_nope' }), token);
    expect(unknown.body.error).toMatchObject({ code: 'BACKEND_REJECTED', retryable: false });
  });

  it('maps a backend 401 to BACKEND_UNAUTHORIZED', async () => {
    const wrongKey = await s.startGateway({ ACME_API_KEY: 'a-wrong-acme-api-key-000' });
    const res = await fetch(`${wrongKey.url}/v1/tools/get_tenant/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.token()}` },
      body: JSON.stringify(call({ tenantId: 'globex' })),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'BACKEND_UNAUTHORIZED', retryable: false });
  });

  it('GatewayClient returns structured errors instead of throwing, including when the gateway is unreachable', async () => {
    const client = s.client(await s.token({ tenantId: 'globex' }));
    const mismatch = await client.invoke('get_tenant', call({ tenantId: 'initech' }));
    expect(mismatch).toMatchObject({ status: 'error', error: { code: 'TENANT_MISMATCH' } });
    const ok = await client.invoke('get_tenant', call({ tenantId: 'globex' }));
    expect(ok).toMatchObject({ status: 'ok', result: { id: 'globex' } });
    const nowhere = new GatewayClient({ baseUrl: 'http://127.0.0.1:9', token: 'x', timeoutMs: 2000 });
    expect(await nowhere.invoke('get_tenant', call({ tenantId: 'globex' }))).toMatchObject({ status: 'error', error: { code: 'BACKEND_UNAVAILABLE', retryable: true } });
  });

  it('approval endpoints need the service key', async () => {
    const res = await fetch(`${s.url}/v1/approvals/apr_x/approve`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.token()}` }, body: '{"approvedBy":"me"}' });
    expect(res.status).toBe(401);
    const unknown = await fetch(`${s.url}/v1/approvals/apr_x`, { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(unknown.status).toBe(409);
    expect(((await unknown.json()) as any).error.code).toBe('APPROVAL_INVALID');
  });

  it('lists a case\'s control verdicts from the audit log to the service key only (GatewayAdminClient.verdicts)', async () => {
    const caseId = newCaseId();
    const token = await s.token({ tenantId: 'globex', caseId });
    expect((await s.invoke('get_invoice', call({ tenantId: 'acme-eu', invoiceId: 'inv_acme_eu_2401' }), token)).status).toBe(403);
    expect((await s.invoke('get_tenant', call({ tenantId: 'globex' }), token)).status).toBe(200);
    const admin = new GatewayAdminClient({ baseUrl: s.url, adminKey: ADMIN_KEY });
    // The refusal is a verdict; the plain allowed read is not.
    // Each verdict names the version of the rules that decided it: the tool's definition as loaded, or the catalogue's
    // for a tool it does not have.
    const catalog = s.gateway.get(ToolCatalog);
    expect(await admin.verdicts(caseId)).toEqual([expect.objectContaining({ tool: 'get_invoice', decision: 'denied', rule: 'TENANT_MISMATCH', agent: 'resolver', ruleVersion: catalog.get('get_invoice')!.version })]);
    expect((await s.invoke('get_everything', call({ tenantId: 'globex' }), token)).status).toBe(404);
    expect((await admin.verdicts(caseId)).find((v) => v.tool === 'get_everything')).toMatchObject({ rule: 'TOOL_NOT_FOUND', ruleVersion: catalog.version });
    const { rows } = await s.db.query('SELECT hash_version, rule_version FROM gateway.audit_log WHERE case_id = $1 ORDER BY id', [caseId]);
    expect(rows.map((r) => r.hash_version)).toEqual([3, 3, 3]);
    expect(rows[1].rule_version).toBe(catalog.get('get_tenant')!.version);
    expect(await verifyAuditChain(s.db)).toMatchObject({ ok: true });
    expect((await fetch(`${s.url}/v1/verdicts?caseId=${caseId}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${s.url}/v1/verdicts`, { headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(400);
  });

  it('lists the verdicts of every case in a period, newest first, by tenant, rule or decision (GatewayAdminClient.verdictsSince)', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const [a, b] = [newCaseId(), newCaseId()];
    await s.invoke('get_invoice', call({ tenantId: 'acme-eu', invoiceId: 'inv_acme_eu_2401' }), await s.token({ tenantId: 'globex', caseId: a }));
    await s.invoke('get_tenant', call({ tenantId: 'initech', extra: 1 }), await s.token({ tenantId: 'initech', caseId: b }));
    await s.invoke('get_tenant', call({ tenantId: 'initech' }), await s.token({ tenantId: 'initech', caseId: b }));
    const admin = new GatewayAdminClient({ baseUrl: s.url, adminKey: ADMIN_KEY });

    const all = (await admin.verdictsSince({ since })).filter((v) => v.caseId === a || v.caseId === b);
    expect(all.map((v) => [v.caseId, v.rule])).toEqual([[b, 'ARGUMENTS_INVALID'], [a, 'TENANT_MISMATCH']]);
    expect(all[1]).toMatchObject({ tenantId: 'globex', tool: 'get_invoice', decision: 'denied' });
    expect((await admin.verdictsSince({ since, rule: 'TENANT_MISMATCH' })).map((v) => v.caseId)).toContain(a);
    expect((await admin.verdictsSince({ since, rule: 'TENANT_MISMATCH' })).map((v) => v.caseId)).not.toContain(b);
    expect((await admin.verdictsSince({ since, tenantId: 'initech' })).every((v) => v.tenantId === 'initech')).toBe(true);
    expect(await admin.verdictsSince({ since: '2020-01-01', until: '2020-01-02' })).toEqual([]);
    for (const q of ['since=nope', `since=${since}&limit=5000`, `since=${since}&rule=nope`, `since=${since}&caseId=${a}`, `since=${since}&until=${since}`]) {
      expect((await fetch(`${s.url}/v1/verdicts?${q}`, { headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(400);
    }
  });
});
