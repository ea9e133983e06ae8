/**
 * Reads a value at a dot path of a tool result (`invoice.refunds.0.amount`, `flags.new-dashboard`); `length` works on
 * arrays and `-1` picks the last element. The path language of the catalogue's readBack checks and previews, read
 * the same way by the verifier and the gateway.
 *
 * @example
 * valueAt({ a: { b: [1, 2] } }, 'a.b.-1'); // 2
 */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) cur = part === 'length' ? cur.length : cur.at(Number(part));
    else if (typeof cur === 'object') cur = (cur as Record<string, unknown>)[part];
    else return undefined;
  }
  return cur;
}
