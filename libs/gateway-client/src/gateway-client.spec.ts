import { bindTaskToken } from '@switchboard/task-tokens';
import { GatewayClient } from './index';

const invocation = { toolCallId: 'call_1', step: 1, arguments: { tenantId: 'globex' } };

/** A fetch double that answers each expected request once and fails on anything else. */
function scriptedFetch(...answers: Array<(url: string, init: RequestInit) => Response | Promise<Response>>): typeof fetch & { calls: Array<[string, RequestInit]> } {
  const calls: Array<[string, RequestInit]> = [];
  const fn = (async (url: string | URL, init: RequestInit = {}) => {
    calls.push([String(url), init]);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected fetch ${String(url)}`);
    return next(String(url), init);
  }) as typeof fetch & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('GatewayClient', () => {
  it('posts the invocation with the bearer token and returns the tool result', async () => {
    const fetchDouble = scriptedFetch(() => json(200, { status: 'ok', tool: 'get_tenant', result: { id: 'globex' }, replayed: false }));
    const sut = new GatewayClient({ baseUrl: 'http://gw/', token: 'tok', fetch: fetchDouble });
    expect(await sut.invoke('get_tenant', invocation)).toEqual({ status: 'ok', tool: 'get_tenant', result: { id: 'globex' }, replayed: false });
    const [url, init] = fetchDouble.calls[0]!;
    expect(url).toBe('http://gw/v1/tools/get_tenant/invoke');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok');
    expect(JSON.parse(init.body as string)).toEqual(invocation);
  });

  it('sends the token bound to the agent key when it has one', async () => {
    const fetchDouble = scriptedFetch(() => json(200, { status: 'ok', tool: 'get_tenant', result: {}, replayed: false }));
    const agentKey = 'resolver-agent-key-0123456789abcdef0123';
    await new GatewayClient({ baseUrl: 'http://gw', token: 'tok', agentKey, fetch: fetchDouble }).invoke('get_tenant', invocation);
    expect((fetchDouble.calls[0]![1].headers as Record<string, string>).authorization).toBe(`Bearer ${bindTaskToken('tok', agentKey)}`);
  });

  it('returns gateway errors as results (never throws)', async () => {
    const error = { status: 'error', tool: 'get_tenant', error: { code: 'TENANT_MISMATCH', message: 'no', retryable: false } };
    const sut = new GatewayClient({ baseUrl: 'http://gw', token: 'tok', fetch: scriptedFetch(() => json(403, error)) });
    expect(await sut.invoke('get_tenant', invocation)).toEqual(error);
  });

  it('turns network failures, timeouts and unexpected bodies into BACKEND_* results', async () => {
    const sut = new GatewayClient({
      baseUrl: 'http://gw', token: 'tok', timeoutMs: 50,
      fetch: scriptedFetch(
        () => { throw new TypeError('fetch failed'); },
        (_url, init) => new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason))),
        () => new Response('<html>', { status: 502 }),
      ),
    });
    expect(await sut.invoke('t', invocation)).toMatchObject({ status: 'error', tool: 't', error: { code: 'BACKEND_UNAVAILABLE', retryable: true } });
    expect(await sut.invoke('t', invocation)).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('50 ms') } });
    expect(await sut.invoke('t', invocation)).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('502') } });
  });

  it('listTools throws a typed error when the token is refused', async () => {
    const sut = new GatewayClient({ baseUrl: 'http://gw', token: 'tok', fetch: scriptedFetch(() => json(401, { status: 'error', tool: '', error: { code: 'TOKEN_EXPIRED', message: 'expired', retryable: true } })) });
    await expect(sut.listTools()).rejects.toMatchObject({ gatewayCode: 'TOKEN_EXPIRED' });
  });
});
