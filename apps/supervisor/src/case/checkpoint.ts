/**
 * Checkpoint deltas: the first checkpoint of a case is its full core; each later one holds only the top-level keys
 * that changed. Two of them are written as edits when that is shorter than the new value:
 * - capped append-mostly arrays (findings, tried) as `{ $drop, $append }`;
 * - objects (counters, outstanding, resolution…) as `{ $set, $unset }`: the members that changed and those removed,
 *   one level deep.
 * A checkpoint therefore costs about the same at step 50 as at step 2, and any version is the fold of the deltas up
 * to it. No core key holds an object whose own keys start with `$`, so the edit forms cannot be mistaken for values.
 */
export type CoreDelta = Record<string, unknown>;
interface ArrayDelta {
  $drop: number;
  $append: unknown[];
}
interface ObjectDelta {
  $set?: Record<string, unknown>;
  $unset?: string[];
}

export function diffCore(prev: Record<string, unknown>, next: Record<string, unknown>): CoreDelta {
  const delta: CoreDelta = {};
  for (const key of new Set([...Object.keys(prev), ...Object.keys(next)])) {
    const a = prev[key];
    const b = next[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a) && Array.isArray(b)) delta[key] = arrayDelta(a, b) ?? b;
    else if (isPlainObject(a) && isPlainObject(b)) delta[key] = shorter(objectDelta(a, b), b);
    else delta[key] = b ?? null;
  }
  return delta;
}

export function applyDelta(base: Record<string, unknown>, delta: CoreDelta): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(delta)) {
    if (isArrayDelta(value)) out[key] = [...((base[key] as unknown[] | undefined) ?? []).slice(value.$drop), ...value.$append];
    else if (isObjectDelta(value)) out[key] = applyObjectDelta((base[key] as Record<string, unknown> | undefined) ?? {}, value);
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

function objectDelta(a: Record<string, unknown>, b: Record<string, unknown>): ObjectDelta {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(b)) {
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(a[key])) set[key] = value;
  }
  for (const [key, value] of Object.entries(a)) if (value !== undefined && b[key] === undefined) unset.push(key);
  return { ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(unset.length > 0 ? { $unset: unset } : {}) };
}

function applyObjectDelta(base: Record<string, unknown>, delta: ObjectDelta): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...delta.$set };
  for (const key of delta.$unset ?? []) delete out[key];
  return out;
}

/** The edit, when it says something (the same members in another order say nothing) and is shorter than the value. */
function shorter(edit: ObjectDelta, whole: Record<string, unknown>): unknown {
  return isObjectDelta(edit) && JSON.stringify(edit).length < JSON.stringify(whole).length ? edit : whole;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArrayDelta(value: unknown): value is ArrayDelta {
  return isPlainObject(value) && '$append' in value && '$drop' in value;
}

function isObjectDelta(value: unknown): value is ObjectDelta {
  return isPlainObject(value) && ('$set' in value || '$unset' in value) && Object.keys(value).every((k) => k === '$set' || k === '$unset');
}
