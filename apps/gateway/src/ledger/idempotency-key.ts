import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

const SEP = '\u0000';

/** sha256 of the canonical JSON of a tool's arguments; binds approvals and ledger entries to exact arguments. */
export function argumentsHash(args: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

/**
 * Idempotency key of one logical write: case, step, tool-call id, tool and the arguments' hash. The task id is left
 * out on purpose: when the supervisor redelivers or re-dispatches a task of the same case (new task id after a
 * crash), the resolver's replayed call (same step, same call id, same arguments) must collapse onto the first
 * execution; the resolver names its calls by tool, arguments and repetition (not the provider's call id) for this.
 * A deliberate second write in the same case needs a different step or call id, or other arguments.
 */
export function idempotencyKey(input: { caseId: string; step: number; toolCallId: string; tool: string; arguments: Record<string, unknown> }): string {
  return createHash('sha256')
    .update(['write', input.caseId, String(input.step), input.toolCallId, input.tool, argumentsHash(input.arguments)].join(SEP))
    .digest('hex');
}

/** An approved write executes once per approval, whichever call id or step the executing agent uses. */
export function approvalExecutionKey(approvalId: string, argsHash: string): string {
  return createHash('sha256').update(['approval', approvalId, argsHash].join(SEP)).digest('hex');
}
