/**
 * Checkpoint deltas: the first checkpoint of a case is its full core; each later one holds only the top-level keys
 * that changed, with capped append-mostly arrays (findings, tried) as `{ $drop, $append }`. A checkpoint therefore
 * costs about the same at step 50 as at step 2, and any version is the fold of the deltas up to it.
 */
export type CoreDelta = Record<string, unknown>;
interface ArrayDelta {
  $drop: number;
  $append: unknown[];
}

export function diffCore(prev: Record<string, unknown>, next: Record<string, unknown>): CoreDelta {
  const delta: CoreDelta = {};
  for (const key of new Set([...Object.keys(prev), ...Object.keys(next)])) {
    const a = prev[key];
    const b = next[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    delta[key] = Array.isArray(a) && Array.isArray(b) ? (arrayDelta(a, b) ?? b) : (b ?? null);
  }
  return delta;
}

export function applyDelta(base: Record<string, unknown>, delta: CoreDelta): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(delta)) {
    if (isArrayDelta(value)) out[key] = [...((base[key] as unknown[] | undefined) ?? []).slice(value.$drop), ...value.$append];
    else if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

function arrayDelta(a: unknown[], b: unknown[]): ArrayDelta | undefined {
  const as = a.map((x) => JSON.stringify(x));
  const bs = b.map((x) => JSON.stringify(x));
  for (let drop = 0; drop <= as.length; drop++) {
    const kept = as.length - drop;
    if (kept > bs.length) continue;
    let prefix = true;
    for (let i = 0; i < kept && prefix; i++) prefix = as[drop + i] === bs[i];
    if (prefix) return { $drop: drop, $append: b.slice(kept) };
  }
  return undefined;
}

function isArrayDelta(value: unknown): value is ArrayDelta {
  return typeof value === 'object' && value !== null && '$append' in value && '$drop' in value;
}
