import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import type { Tool } from '../catalog/tool-catalog';

const SEP = '\u0000';

/** What a write does, as the ledger, the approvals and the cumulative limits see it. */
export interface Effect {
  /** The catalogue's effectKey arguments of the call (never free text). */
  values: Record<string, unknown>;
  /** sha256 of tool + canonical effect values; binds approvals to an effect. */
  hash: string;
  /** Ledger key and backend Idempotency-Key: sha256 of case + tool + effect hash. */
  key: string;
  /** The amountField's value, summed by cumulative limits; null when the tool has none. */
  amount: number | null;
}

/** sha256 of the canonical JSON of a tool's arguments; records which exact arguments an approval showed. */
export function argumentsHash(args: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

/**
 * The business effect of a write call. The key holds case, tool and the effectKey arguments only: step, tool-call
 * id, task id and free-text arguments (a refund's reason) are left out on purpose, so a re-dispatched task, a
 * re-worded retry after a step timeout, or the resolver's follow-up run asking for a write that already ran all
 * collapse onto the first execution and get its stored result. The same effect cannot run twice in one case.
 */
export function effectOf(tool: Tool, caseId: string, args: Record<string, unknown>): Effect {
  // Write tools always have an effectKey (the catalogue refuses them otherwise); all arguments is the safe fallback.
  const keyArgs = tool.def.effectKey ?? Object.keys(args).sort();
  const values = Object.fromEntries(keyArgs.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
  const hash = createHash('sha256').update([tool.def.name, canonicalJson(values)].join(SEP)).digest('hex');
  const key = createHash('sha256').update(['effect', caseId, tool.def.name, hash].join(SEP)).digest('hex');
  const amount = tool.def.amountField !== undefined && typeof args[tool.def.amountField] === 'number' ? (args[tool.def.amountField] as number) : null;
  return { values, hash, key, amount };
}
