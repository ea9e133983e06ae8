// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
import { startStack, type Stack } from './gateway-harness';

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
});
