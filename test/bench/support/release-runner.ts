// Runs a checkout's pipeline through the open loop of release-run.ts in a child process, for the benchmarks that
// compare two builds or two databases on the same machine in the same run (previous-release.bench.ts,
// database-age.bench.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freshBenchDatabases } from './bench-database';

/** This checkout. */
export const ROOT = join(__dirname, '..', '..', '..');

/** What one run measured (release-run.ts's RESULT line). */
export interface RunResult {
  offered: number;
  completed: number;
  done: number;
  lost: number;
  p50: number;
  p99: number;
  cpu: number;
  byProcess: Array<[string, number]>;
  commits: number;
}

/** A positive number from the environment, or `fallback`; anything else stops the benchmark with the value. */
export function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

function git(args: string[], cwd = ROOT): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/**
 * A built checkout of `ref` in the cache directory (reused when already built). Its node_modules is this checkout's
 * when every package the release declares is installed here (the releases since only added dependencies); otherwise it
 * gets its own `npm ci`.
 */
export function prepareRelease(ref: string): string {
  let sha: string;
  try {
    sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch (error) {
    throw new Error(`the release ${ref} is not in this clone's history (a shallow clone? git fetch --unshallow), or BENCH_SKIP_PREVIOUS=1 to leave it out: ${(error as Error).message}`);
  }
  const dir = join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'bench-previous', sha.slice(0, 12));
  if (!existsSync(join(dir, 'package.json'))) {
    console.log(`  checking out ${ref} (${sha.slice(0, 12)}) into ${dir}`);
    mkdirSync(join(dir, '..'), { recursive: true });
    git(['worktree', 'prune']);
    git(['worktree', 'add', '--force', '--detach', dir, sha]);
  }
  const modules = join(dir, 'node_modules');
  // A link left by another checkout (perhaps deleted since) is pointed at this one's install again.
  if (lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(modules);
  if (!existsSync(modules)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const missing = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !existsSync(join(ROOT, 'node_modules', name, 'package.json')));
    if (missing.length === 0) {
      symlinkSync(join(ROOT, 'node_modules'), modules, 'dir');
    } else {
      console.log(`  npm ci for ${ref} (not installed here: ${missing.join(', ')})`);
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`npm ci failed in ${dir}`);
    }
  }
  if (!existsSync(join(dir, 'dist', 'apps', 'supervisor', 'src', 'main.js'))) {
    console.log(`  building ${ref}`);
    const r = spawnSync('npm', ['run', 'build'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run build failed in ${dir}`);
  }
  return dir;
}

/** How a release's processes run: `node`, the Node.js binary (default: this process's); `preload`, a module every one of them loads first. */
export interface ReleaseRuntime {
  node?: string;
  preload?: string;
}

/**
 * One open-loop run of the checkout at `root` in a child process: on databases created empty for it, or on `databases`
 * when given. `env` sets the run's RELEASE_* knobs; `runtime` the Node binary and a preload for all its processes (the
 * supervisor it spawns runs on the same binary, and inherits the preload through NODE_OPTIONS).
 */
export async function runRelease(root: string, label: string, env: Record<string, string>, databases?: { main: string; acme: string }, runtime: ReleaseRuntime = {}): Promise<RunResult> {
  const db = databases ?? (await freshBenchDatabases('release_bench'));
  const nodeOptions = [process.env.NODE_OPTIONS, runtime.preload && `--require ${runtime.preload}`].filter(Boolean).join(' ');
  const child = spawn(runtime.node ?? process.execPath, ['-r', join(root, 'libs/llm/test/support/swc-register.js'), join(__dirname, 'release-run.ts'), root], {
    cwd: root,
    env: { ...process.env, ...env, TEST_DATABASE_URL: db.main, TEST_ACME_DATABASE_URL: db.acme, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`${label} run failed (exit ${code}): ${(err || out).slice(-2000)}`);
  const r = JSON.parse(line.slice('RESULT '.length)) as RunResult;
  console.log(`  ${label}: ${r.completed.toFixed(1)} cases/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, CPU ${r.cpu.toFixed(1)} ms per case, lost ${r.lost}`);
  return r;
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
