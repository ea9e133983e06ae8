import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake wire-protocol server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** Shared plumbing of the fake servers: loopback listener, request log, scripted replies, strictness. */
export abstract class WireServer {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private readonly sockets = new Set<import('node:net').Socket>();

  /** `http://127.0.0.1:<port>` once started. */
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  protected abstract handle(req: RecordedRequest, res: ServerResponse): Promise<void>;

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  protected async delay(ms: number, res: ServerResponse): Promise<boolean> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      res.once('close', () => { clearTimeout(t); resolve(); });
    });
    return !res.destroyed && !res.writableEnded && res.socket !== null && !res.socket.destroyed;
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* keep raw text */ }
    const recorded = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(recorded);
    try {
      await this.handle(recorded, res);
    } catch (error) {
      this.json(res, 500, { error: `fake server failure: ${(error as Error).message}` });
    }
  }
}
