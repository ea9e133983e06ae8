import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../../../supervisor/test/support/scripted-agents';

const ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * The helpdesk connector as a child process running its TypeScript sources (`node -r register-ts.js main.ts`), so a
 * test can SIGKILL it mid-delivery and start it again: no shutdown hooks, no offset commits, no bookkeeping.
 */
export class HelpdeskProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  starts = 0;
  kills = 0;

  constructor(private readonly env: Record<string, string>, private readonly port: number) {}

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, ['-r', join(ROOT, 'libs', 'bus', 'test', 'support', 'register-ts.js'), join(ROOT, 'apps', 'helpdesk', 'src', 'main.ts')], {
      cwd: ROOT, env: { ...process.env, ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(`the helpdesk process (start ${this.starts}) to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`helpdesk exited with ${child.exitCode}:\n${this.tail()}`);
      const res = await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => undefined);
      return res?.status === 200;
    }, 90_000);
  }

  /** SIGKILL: whatever was in flight stays in flight. */
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
