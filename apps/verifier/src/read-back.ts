import type { Action, Evidence, ToolDescriptor } from '@switchboard/contracts';

type ReadBack = NonNullable<ToolDescriptor['readBack']>;

/**
 * Reads a value at a dot path (`invoice.refunds.0.amount`, `flags.new-dashboard`); `length` works on arrays and
 * `-1` picks the last element.
 *
 * @example
 * valueAt({ a: { b: [1, 2] } }, 'a.b.-1'); // 2
 */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) {
      if (part === 'length') cur = cur.length;
      else cur = cur.at(Number(part));
    } else if (typeof cur === 'object') {
      cur = (cur as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return cur;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The read tool's arguments for a write: each read argument named by the check is taken from the write's arguments. */
export function readArguments(check: ReadBack, action: Action): Record<string, unknown> {
  return Object.fromEntries(Object.entries(check.arguments).map(([readArg, writeArg]) => [readArg, action.arguments[writeArg]]));
}

/**
 * Compares re-read state with what the write promised; one evidence entry per expectation.
 *
 * @example
 * compare(check, action, { status: 'fresh' }); // [{ passed: true, … }]
 */
export function compare(check: ReadBack, action: Action, args: Record<string, unknown>, observed: unknown): Evidence[] {
  return check.expect.map((e) => {
    const expected = e.equalsArgument !== undefined ? action.arguments[e.equalsArgument] : e.equals;
    const actual = valueAt(observed, e.path);
    return { tool: check.tool, arguments: args, expected: { path: e.path, equals: expected }, observed: actual, passed: actual !== undefined && same(actual, expected), forAction: action.toolCallId };
  });
}
