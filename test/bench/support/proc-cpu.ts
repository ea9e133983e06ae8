// CPU time of whole processes from /proc (Linux): this process, the supervisor child, the Kafka broker and every
// Postgres process, so a benchmark can say where the CPU per case goes. Postgres backends come and go with the pools'
// connections: the time of those that exit during a phase is read from the postmaster's reaped-children counters
// (cutime + cstime), less what they had used before the phase.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100);

/** Fields of /proc/<pid>/stat after the command name: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function cpuMs(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

/** Pseudo pid under which a group records the CPU its reaped children used (the postmaster's exited backends). */
const REAPED = -1;

function reapedMs(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[13]) + Number(f[14])) * TICK_MS : 0;
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

  /** CPU milliseconds so far per group, per pid, plus the postmaster's reaped children under {@link REAPED}. */
  snapshot(): Record<string, Map<number, number>> {
    return Object.fromEntries(Object.entries(this.groups).map(([name, pidsOf]) => {
      const pids = pidsOf();
      const times = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
      if (name.startsWith('Postgres')) {
        const postmaster = pids.find((pid) => !pids.includes(Number(statFields(pid)?.[1])));
        if (postmaster !== undefined) times.set(REAPED, reapedMs(postmaster));
      }
      return [name, times];
    }));
  }

  /**
   * CPU per group between two snapshots: processes alive at the end count from the start (or from birth); when the
   * group tracks reaped children, the exited ones count through that counter, less their time before the start.
   */
  static delta(before: Record<string, Map<number, number>>, after: Record<string, Map<number, number>>): Array<[string, number]> {
    return Object.entries(after).map(([name, now]) => {
      const then = before[name] ?? new Map<number, number>();
      let ms = 0;
      for (const [pid, v] of now) ms += v - (then.get(pid) ?? 0);
      if (now.has(REAPED)) for (const [pid, v] of then) if (pid !== REAPED && !now.has(pid)) ms -= v;
      return [name, ms] as [string, number];
    });
  }
}
