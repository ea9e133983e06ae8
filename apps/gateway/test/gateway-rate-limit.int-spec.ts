// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
import { gatewayAppPath } from '../src/paths';
import { catalogVariant, newCaseId, startStack, type Stack } from './gateway-harness';

jest.setTimeout(60_000);

describe('gateway rate limits per (agent, tenant, tool)', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('throttles a burst; the backend sees no more calls than the limit allows', async () => {
    await s.acme.reseed();
    const token = await s.token({ tenantId: 'globex', agent: 'resolver' });
    const started = Date.now();
    // get_login_attempts: capacity 5, refilling 0.5/s.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.invoke('get_login_attempts', { toolCallId: `loop_${i}`, step: i, arguments: { tenantId: 'globex' } }, token)),
    );
    const allowedByLimit = 5 + Math.floor(((Date.now() - started) / 1000) * 0.5);
    const ok = results.filter((r) => r.status === 200);
    const throttled = results.filter((r) => r.status === 429);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThanOrEqual(allowedByLimit);
    expect(ok.length + throttled.length).toBe(20);
    expect(throttled[0]!.body.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(throttled[0]!.body.error.retryAfterMs).toBeGreaterThan(0);
    expect(Number(throttled[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const backend = (await s.acme.call('GET', '/admin/stats')).body.calls.getLoginAttempts;
    expect(backend).toBe(ok.length);

    // Other agents and tenants have their own buckets.
    const verifier = await s.invoke('get_login_attempts', { toolCallId: 'v', step: 1, arguments: { tenantId: 'globex' } }, await s.token({ tenantId: 'globex', agent: 'verifier' }));
    expect(verifier.status).toBe(200);
    const initech = await s.invoke('get_login_attempts', { toolCallId: 'i', step: 1, arguments: { tenantId: 'initech' } }, await s.token({ tenantId: 'initech' }));
    expect(initech.status).toBe(200);
  });

  it('a limit in report-only mode lets every call through and records a reported verdict for each call over it', async () => {
    await s.acme.reseed();
    // The shipped catalogue with get_login_attempts' limit switched to report: the same gateway otherwise.
    const path = catalogVariant(gatewayAppPath('catalog', 'acme.tools.yaml'), 'rateLimit: { capacity: 5, refillPerSecond: 0.5 }', 'rateLimit: { capacity: 5, refillPerSecond: 0.5, mode: report }');
    const reporting = await s.startGateway({ GATEWAY_CATALOG_PATH: path });
    const caseId = newCaseId();
    const token = await s.token({ tenantId: 'globex', agent: 'resolver', caseId });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${reporting.url}/v1/tools/get_login_attempts/invoke`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ toolCallId: `r_${i}`, step: i, arguments: { tenantId: 'globex' } }),
    }).then((r) => r.status)));
    expect(results).toEqual(Array(12).fill(200));
    expect((await s.acme.call('GET', '/admin/stats')).body.calls.getLoginAttempts).toBe(12);
    const verdicts = await s.admin.verdicts(caseId);
    // At most 5 fit the burst (plus what refilled meanwhile): each call over it is a reported RATE_LIMITED verdict.
    expect(verdicts.length).toBeGreaterThanOrEqual(12 - 5 - 2);
    expect(verdicts.length).toBeLessThanOrEqual(12 - 5);
    for (const v of verdicts) expect(v).toMatchObject({ tool: 'get_login_attempts', decision: 'reported', rule: 'RATE_LIMITED', agent: 'resolver' });
  });
});
