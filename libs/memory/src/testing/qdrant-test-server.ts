import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running `qdrant_edge_server.py`: real HTTP, Qdrant's engine (qdrant-edge-py) behind it. */
export interface QdrantTestServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the Qdrant-REST test server on a free loopback port with a fresh data dir, and stops/cleans it.
 * Fails with the install hint if Python or `qdrant-edge-py` is missing.
 *
 * @example
 * const server = await startQdrantTestServer();
 * const store = new QdrantVectorStore({ url: server.url });
 * await server.stop();
 */
export async function startQdrantTestServer(options: { python?: string; timeoutMs?: number } = {}): Promise<QdrantTestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qdrant-edge-'));
  const child: ChildProcess = spawn(options.python ?? 'python3', [join(__dirname, 'qdrant_edge_server.py'), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`qdrant test server did not start in time\n${stderr}`)), options.timeoutMs ?? 15_000);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /LISTENING (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`qdrant test server exited with ${code}: ${stderr.trim()}\n(install its engine with \`pip install qdrant-edge-py==0.9.0\`)`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
