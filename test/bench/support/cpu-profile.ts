// CPU of this process by component, from the V8 sampling profiler (node:inspector): every sample is charged to the
// nearest frame of our code on its stack (apps/<name> or libs/<name>), so library time (kafkajs, pg, zod, express)
// counts for the component that called it; samples with none of our frames (kafkajs fetch loops, socket writes from
// the event loop, GC) are grouped by what is on top.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

export interface ProfileNode { id: number; callFrame: { url: string; functionName: string }; children?: number[] }
export interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export class CpuProfiler {
  private readonly session = new Session();

  async start(intervalUs = 1000): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
  }

  /** Milliseconds of CPU per component (idle excluded), largest first. */
  async stop(): Promise<Array<[string, number]>> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: Profile };
    this.session.disconnect();
    // BENCH_CPU_PROFILE=<file.cpuprofile> keeps the raw profile for Chrome DevTools or speedscope.
    if (process.env.BENCH_CPU_PROFILE) writeFileSync(process.env.BENCH_CPU_PROFILE, JSON.stringify(profile));
    return cpuByComponent(profile);
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  }
}

/** Milliseconds of CPU per component of a V8 CPU profile (idle excluded), largest first; see the file's head. */
export function cpuByComponent(profile: Profile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = owner.get(id);
    if (cached) return cached;
    let found: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined && !found; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      const m = /\/(apps|libs)\/([a-z0-9-]+)\//.exec(url);
      if (m && !url.includes('/node_modules/')) found = `${m[1]}/${m[2]}`;
      // onnxruntime-node runs a session from setImmediate, so no frame of ours is on the stack; its native frame has no
      // URL and V8 may name it after any native binding (a profile showed "minifySync"). The sessions are the
      // embedders of libs/memory: triage's multilingual encoder and retrieval's MiniLM.
      else if (url.includes('/node_modules/onnxruntime-node/')) found = 'libs/memory: onnxruntime inference (triage encoder, MiniLM)';
    }
    const top = byId.get(id)!.callFrame;
    const result = found ?? `(no app frame) ${top.url.includes('node_modules/') ? top.url.split('node_modules/').pop()!.split('/')[0] : top.functionName || top.url || 'native'}`;
    owner.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') return;
    const key = name === '(garbage collector)' ? '(garbage collector)' : ownerOf(id);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}
