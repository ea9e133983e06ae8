// A TCP proxy between services and a shared dependency (Postgres, the gateway) that tests and the chaos benchmark can
// take down and bring back, so an outage can be staged without stopping a server other people use. `down()` behaves
// like the server stopping: open connections are reset and new ones refused (nothing listens on the port); `up()`
// listens on the same port again. `stall()` is a server that stops answering without closing anything (a network
// partition, a hung process): bytes are held until `resume()`.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private listenPort = 0;

  private constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  /** Starts forwarding `127.0.0.1:<port>` (ephemeral unless given) to `target` (`host:port`). */
  static async start(target: string, port = 0): Promise<TcpProxy> {
    const [host, targetPort] = target.split(':');
    const proxy = new TcpProxy(host!, Number(targetPort));
    proxy.listenPort = port;
    await proxy.up();
    return proxy;
  }

  /** Forwards a URL's host and port through a new proxy; returns the proxy and the URL pointing at it. */
  static async forUrl(url: string): Promise<{ proxy: TcpProxy; url: string }> {
    const parsed = new URL(url);
    const proxy = await TcpProxy.start(`${parsed.hostname}:${parsed.port || (parsed.protocol.startsWith('postgres') ? 5432 : 80)}`);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(proxy.port);
    return { proxy, url: parsed.toString() };
  }

  get port(): number {
    return this.listenPort;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Listens again (on the same port once one was assigned). */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Resets every open connection and stops listening: clients see their connection drop, then "connection refused". */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Holds every byte in both directions, on open and new connections, until {@link resume}. */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
  }

  async close(): Promise<void> {
    await this.down();
  }

  private pipe(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.stalled) {
      client.pause();
      upstream.pause();
    }
  }
}
