// CPU time of whole processes from /proc (Linux): this process, the supervisor child, the Kafka broker and every
// Postgres process, so a benchmark can say where the CPU per case goes. Backends that exit during a phase take their
// time with them (pools keep theirs open, so this is small).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100);

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

function pidsWhere(test: (comm: string, cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = comm === 'java' ? readFileSync(`/proc/${entry}/cmdline`, 'utf8') : '';
      if (test(comm, cmdline)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Groups of processes whose CPU is sampled together. */
export class ProcessCpu {
  private readonly groups: Record<string, () => number[]>;

  constructor(extra: Record<string, number | undefined>) {
    this.groups = {
      'benchmark process (agents, gateway, backend, ticket publisher)': () => [process.pid],
      ...Object.fromEntries(Object.entries(extra).filter(([, pid]) => pid !== undefined).map(([name, pid]) => [name, () => [pid!]])),
      'Kafka broker (JVM)': () => pidsWhere((comm, cmdline) => comm === 'java' && cmdline.includes('kafka.Kafka')),
      'Postgres (all processes)': () => pidsWhere((comm) => comm === 'postgres'),
    };
  }

  /** CPU milliseconds so far per group, per pid (so a delta only counts processes alive at both ends or new ones). */
  snapshot(): Record<string, Map<number, number>> {
    return Object.fromEntries(Object.entries(this.groups).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, cpuMs(pid)]))]));
  }

  static delta(before: Record<string, Map<number, number>>, after: Record<string, Map<number, number>>): Array<[string, number]> {
    return Object.entries(after).map(([name, now]) => {
      let ms = 0;
      for (const [pid, v] of now) ms += v - (before[name]?.get(pid) ?? 0);
      return [name, ms] as [string, number];
    });
  }
}
