// Switchboard services as real OS processes (the built entry points in dist/, or a TypeScript entry for the agents
// that run a named test-double model), each with its own log file, readiness probe, SIGKILL and restart. Used by the
// chaos benchmark and the start-up test (`npm run chaos`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
const SWC_REGISTER = join(ROOT, 'libs', 'llm', 'test', 'support', 'swc-register.js');

export interface ServiceSpec {
  /** Unique within the fleet, e.g. `triage-2`. */
  name: string;
  /** `dist/apps/<app>/src/main.js`, or a .ts file run through the swc register hook. */
  entry: string;
  args?: string[];
  env: Record<string, string>;
  port: number;
}

/** A free TCP port on loopback (closed again before it is returned). */
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

export function distEntry(app: string): string {
  return join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

/**
 * One service process; `start()` again after it exited (or was killed) is a restart. With `supervise`, an exit nobody
 * asked for is restarted after a backoff (2 s, doubling to 30 s), as an orchestrator would.
 */
export class ServiceProcess {
  child?: ChildProcess;
  starts = 0;
  supervise = false;
  private restartTimer?: NodeJS.Timeout;
  private backoffMs = 2_000;
  /** Exits nobody asked for (not a kill by the harness, not a stop). */
  readonly unexpectedExits: Array<{ code: number | null; signal: NodeJS.Signals | null; lastLine: string }> = [];
  private expectingExit = false;
  private lastLine = '';
  private readonly log: WriteStream;

  constructor(readonly spec: ServiceSpec, logDir: string) {
    mkdirSync(logDir, { recursive: true });
    this.log = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    clearTimeout(this.restartTimer);
    if (this.running) return;
    this.starts++;
    this.expectingExit = false;
    const ts = this.spec.entry.endsWith('.ts');
    const child = spawn(process.execPath, [...(ts ? ['-r', SWC_REGISTER] : []), this.spec.entry, ...(this.spec.args ?? [])], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.spec.env, PORT: String(this.spec.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.log.write(`--- start #${this.starts} pid ${child.pid} at ${new Date().toISOString()}\n`);
    const keep = (chunk: Buffer) => {
      this.log.write(chunk);
      const lines = chunk.toString('utf8').trim().split('\n');
      this.lastLine = lines[lines.length - 1]!.slice(0, 500);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      this.log.write(`--- exit code ${code} signal ${signal} at ${new Date().toISOString()}\n`);
      if (this.expectingExit) return;
      this.unexpectedExits.push({ code, signal, lastLine: this.lastLine });
      if (this.supervise) {
        this.restartTimer = setTimeout(() => this.start(), this.backoffMs);
        this.backoffMs = Math.min(30_000, this.backoffMs * 2);
      }
    });
    this.child = child;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    const exited = this.exited();
    this.child!.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.supervise = false;
    clearTimeout(this.restartTimer);
    if (!this.running) return;
    this.expectingExit = true;
    const exited = this.exited();
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** 200 from `/health/ready`. */
  async ready(): Promise<boolean> {
    if (!this.running) return false;
    const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    return res?.status === 200;
  }

  close(): void {
    this.log.end();
  }

  private exited(): Promise<void> {
    const child = this.child!;
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }
}

/** Polls until every service answers ready, one of them exits, or `timeoutMs` passes. */
export async function waitReady(services: ServiceProcess[], timeoutMs: number): Promise<{ ready: Map<string, number>; failed: Map<string, string> }> {
  const t0 = Date.now();
  const ready = new Map<string, number>();
  const failed = new Map<string, string>();
  while (ready.size + failed.size < services.length && Date.now() - t0 < timeoutMs) {
    await Promise.all(services.filter((s) => !ready.has(s.spec.name) && !failed.has(s.spec.name)).map(async (s) => {
      if (await s.ready()) ready.set(s.spec.name, Date.now() - t0);
      else if (!s.running) {
        const exit = s.unexpectedExits[s.unexpectedExits.length - 1];
        failed.set(s.spec.name, `exited (code ${exit?.code ?? '?'}${exit?.signal ? `, ${exit.signal}` : ''}): ${exit?.lastLine ?? ''}`);
      }
    }));
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const s of services) if (!ready.has(s.spec.name) && !failed.has(s.spec.name)) failed.set(s.spec.name, `not ready after ${Math.round(timeoutMs / 1000)} s`);
  return { ready, failed };
}
