import { createServer, type Server } from 'node:http';
import { DependencyUnavailableError, isDependencyUnavailable } from '@switchboard/observability';
import { HttpToolGateway } from './tool-gateway.port';

const invocation = { toolCallId: 'call_1', step: 1, arguments: { tenantId: 'acme' } };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('HttpToolGateway (real HTTP on loopback)', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('throws DependencyUnavailableError when nothing listens at the gateway address', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const session = new HttpToolGateway(url, 2_000).session('token');

    await expect(session.invoke('get_tenant', invocation)).rejects.toBeInstanceOf(DependencyUnavailableError);
    const listing = await session.listTools().catch((error: unknown) => error);
    expect(isDependencyUnavailable(listing)).toBe(true);
  });

  it('throws DependencyUnavailableError when the gateway does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    const session = new HttpToolGateway(await listen(silent), 200).session('token');
    await expect(session.invoke('get_tenant', invocation)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('treats a gateway that cannot list tools (503) as unavailable', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', error: { code: 'BACKEND_UNAVAILABLE', message: 'the gateway could not complete the request; retry later' } }));
    });
    servers.push(failing);
    await expect(new HttpToolGateway(await listen(failing), 2_000).session('token').listTools()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('returns what the gateway answers, errors included, for the model to read', async () => {
    const answering = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', tool: 'get_tenant', error: { code: 'BACKEND_UNAVAILABLE', message: 'acme is unavailable (HTTP 503)', retryable: true } }));
    });
    servers.push(answering);
    const session = new HttpToolGateway(await listen(answering), 2_000).session('token');
    await expect(session.invoke('get_tenant', invocation)).resolves.toMatchObject({ status: 'error', error: { code: 'BACKEND_UNAVAILABLE' } });
  });
});
