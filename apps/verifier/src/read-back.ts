import { valueAt, type Action, type Evidence, type ToolDescriptor } from '@switchboard/contracts';

type ReadBack = NonNullable<ToolDescriptor['readBack']>;

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
