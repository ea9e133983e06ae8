import diff from 'microdiff';
import type { Procedure } from '@switchboard/contracts';

/** One difference between two versions of a procedure, at a JSON path such as `steps/2/with/days`. */
export interface ProcedureChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/**
 * What changed between two versions of a procedure, field by field (microdiff over the parsed specs, so formatting
 * and key order in the YAML do not show up). Array elements are compared by position: an inserted step shows as the
 * steps after it changing, as in a line diff.
 *
 * @example
 * diffProcedures(v1, v2); // [{ path: 'steps/1/with/days', kind: 'changed', before: 14, after: 30 }]
 */
export function diffProcedures(from: Procedure, to: Procedure): ProcedureChange[] {
  return diff(from as unknown as Record<string, unknown>, to as unknown as Record<string, unknown>).map((d) => {
    const path = d.path.join('/');
    switch (d.type) {
      case 'CREATE': return { path, kind: 'added', after: d.value };
      case 'REMOVE': return { path, kind: 'removed', before: d.oldValue };
      default: return { path, kind: 'changed', before: d.oldValue, after: d.value };
    }
  });
}
