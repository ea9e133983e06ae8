// Shared by the benchmarks: percentiles, alternating baseline/system blocks (so machine noise lands on both), and
// figures printed with their target and an OK / MISS marker — a miss is printed as a miss.
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. '≤ 1.6' — absent for context figures (baselines, counts). */
  target?: string;
  ok?: boolean;
  /** For run-all to pick a figure up again (side-by-side comparisons). */
  key?: string;
}

/** The value of the figure tagged `key` (NaN when absent). */
export function valueOf(figures: readonly Figure[], key: string): number {
  return figures.find((f) => f.key === key)?.value ?? NaN;
}

export function keyed(key: string, figure: Figure): Figure {
  return { ...figure, key };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function atMost(name: string, value: number, unit: string, limit: number): Figure {
  return { name, value, unit, target: `≤ ${limit}`, ok: value <= limit };
}

export function atLeast(name: string, value: number, unit: string, limit: number): Figure {
  return { name, value, unit, target: `≥ ${limit}`, ok: value >= limit };
}

export function info(name: string, value: number, unit: string): Figure {
  return { name, value, unit };
}

/**
 * Runs `blocks` rounds of baseline then system (order flipped every other block); returns every sample of each. With
 * one sample per block and two blocks it is ABBA. Samples are timings unless the caller's functions return more.
 */
export async function alternate<T = number>(blocks: number, perBlock: number, baseline: () => Promise<T>, system: () => Promise<T>): Promise<{ baseline: T[]; system: T[] }> {
  const out = { baseline: [] as T[], system: [] as T[] };
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? (['baseline', 'system'] as const) : (['system', 'baseline'] as const);
    for (const which of order) {
      for (let i = 0; i < perBlock; i++) out[which].push(await (which === 'baseline' ? baseline() : system()));
    }
  }
  return out;
}

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    if (Number.isNaN(f.value) && !f.unit) {
      console.log(`       ${f.name}`); // a heading inside a group of figures
      continue;
    }
    const v = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(Math.abs(f.value) < 10 ? 3 : 1);
    const mark = f.ok === undefined ? '' : f.ok ? 'OK  ' : 'MISS';
    console.log(`  ${mark.padEnd(4)} ${f.name.padEnd(w)}  ${`${v} ${f.unit}`.padStart(16)}  ${f.target ? `target ${f.target}` : ''}`);
  }
}
