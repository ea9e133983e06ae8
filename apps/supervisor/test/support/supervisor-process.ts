import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './scripted-agents';

const ROOT = join(__dirname, '..', '..', '..', '..');
export const SUPERVISOR_MAIN = join(ROOT, 'dist', 'apps', 'supervisor', 'src', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(SUPERVISOR_MAIN)) {
    throw new Error(`${SUPERVISOR_MAIN} is missing: the crash tests run the built supervisor as a real process. Run \`npm run build\` first (CI builds before testing).`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The supervisor as a child process (`node dist/apps/supervisor/src/main.js`) that a test can SIGKILL and restart. */
export class SupervisorProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  starts = 0;
  kills = 0;

  constructor(private readonly env: Record<string, string>, private readonly port: number) {}

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, [SUPERVISOR_MAIN], { env: { ...process.env, ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(`the supervisor process (start ${this.starts}) to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`supervisor exited with ${child.exitCode}:\n${this.tail()}`);
      const res = await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => undefined);
      return res?.status === 200;
    }, 90_000);
  }

  /** SIGKILL: no shutdown hooks, no commits, no outbox flush. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.kills++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  tail(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}

/** Named fake of the gateway's admin approval endpoints over real HTTP, for the child-process supervisor. */
export class FakeGatewayHttp {
  readonly decisions: Array<{ approvalId: string; decision: string; by: string }> = [];
  private server?: Server;
  url = '';

  constructor(private readonly adminKey: string) {}

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const match = /^\/v1\/approvals\/([^/]+)\/(approve|reject)$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match || req.headers['x-admin-key'] !== this.adminKey) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: { code: 'TOKEN_INVALID', message: 'no' } }));
          return;
        }
        const parsed = JSON.parse(body || '{}') as { approvedBy?: string; rejectedBy?: string };
        const approvalId = decodeURIComponent(match[1]!);
        const decision = match[2] === 'approve' ? 'approved' : 'rejected';
        this.decisions.push({ approvalId, decision, by: parsed.approvedBy ?? parsed.rejectedBy ?? '' });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          approvalId, status: decision, tool: 'issue_refund', caseId: 'x', tenantId: 'x', arguments: {}, reason: 'r', expiresAt: new Date(Date.now() + 3600_000).toISOString(),
          decidedBy: parsed.approvedBy ?? parsed.rejectedBy ?? null, decidedAt: new Date().toISOString(), executedAt: null,
        }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
