import type { Evidence, SuccessCheck } from '@switchboard/contracts';
import { compileExpression, compileTemplate, ExpressionError } from './expression';
import type { ProcedureToolPort } from './procedure-runner';

/** The result of the success checks: one evidence entry per check, and how many failed or could not run. */
export interface SuccessReport {
  evidence: Evidence[];
  passed: number;
  failed: string[];
  toolErrors: number;
}

/**
 * Runs success checks: each reads its tool (read tools only; the verifier's token carries the read scope) with
 * arguments bound to the ticket, entities and slots, and evaluates `expect` on the result. Nothing the resolver
 * reported is trusted: the check reads the state itself.
 *
 * @example
 * const report = await runSuccessChecks(checks, { ticket, entities, slots }, session, 'verify');
 * report.failed; // [] when the problem is gone
 */
export async function runSuccessChecks(
  checks: readonly SuccessCheck[],
  context: { ticket: Record<string, unknown>; entities: Record<string, unknown>; slots: Record<string, unknown> },
  tools: ProcedureToolPort,
  callPrefix: string,
): Promise<SuccessReport> {
  const report: SuccessReport = { evidence: [], passed: 0, failed: [], toolErrors: 0 };
  let n = 0;
  for (const check of checks) {
    let args: Record<string, unknown>;
    try {
      args = Object.fromEntries(Object.entries(check.with).map(([k, source]) => [k, compileExpression(source).evaluate(context)]));
    } catch (error) {
      const why = error instanceof ExpressionError ? error.message : String(error);
      report.evidence.push({ tool: check.read, arguments: {}, expected: check.expect, observed: { error: why }, passed: false, check: check.id });
      report.failed.push(`success check ${check.id}: its arguments could not be bound (${why})`);
      continue;
    }
    const read = await tools.invoke(check.read, { toolCallId: `${callPrefix}:${check.id}`, step: ++n, arguments: args });
    if (read.status !== 'ok') {
      report.toolErrors++;
      const why = read.status === 'error' ? `${read.error.code}: ${read.error.message}` : 'held';
      report.evidence.push({ tool: check.read, arguments: args, expected: check.expect, observed: { error: why }, passed: false, check: check.id });
      report.failed.push(`success check ${check.id}: could not read ${check.read} (${why})`);
      continue;
    }
    const scope = { ...context, result: read.result };
    let passed = false;
    let says: string | undefined;
    try {
      passed = compileExpression(check.expect).evaluate(scope) === true;
      says = compileTemplate(check.says).render(scope);
    } catch (error) {
      report.failed.push(`success check ${check.id}: ${error instanceof ExpressionError ? error.message : String(error)}`);
    }
    report.evidence.push({ tool: check.read, arguments: args, expected: check.expect, observed: read.result, passed, check: check.id, ...(says ? { says } : {}) });
    if (passed) report.passed++;
    else if (!report.failed.some((f) => f.startsWith(`success check ${check.id}:`))) report.failed.push(`success check ${check.id} failed: ${check.expect} is not true (${says ?? check.read})`);
  }
  return report;
}
