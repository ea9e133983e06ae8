import type { CumulativeLimit } from '../catalog/catalog.schema';
import type { Tool } from '../catalog/tool-catalog';
import type { ScopeTotals } from '../ledger/write-ledger.repository';

/** A cumulative limit as the policy functions take it: the catalogue's, whose mode defaults to `enforce`. */
type Limit = Omit<CumulativeLimit, 'mode'> & { mode?: CumulativeLimit['mode'] };

/** Why one write call must wait for a human on its own (`always`, or its amount above `approval.above`). */
export function approvalReason(tool: Tool, args: Record<string, unknown>): string | undefined {
  const policy = tool.def.approval;
  if (policy === 'always') return `${tool.def.name} always requires a human approval`;
  if (policy === 'never' || policy.above === undefined || tool.def.amountField === undefined) return undefined;
  const amount = Number(args[tool.def.amountField]);
  if (amount > policy.above) return `${tool.def.amountField} ${amount} is above the approval threshold ${policy.above} for ${tool.def.name}`;
  return undefined;
}

/** The cumulative limits of a tool (none unless its approval policy lists them). */
export function cumulativeLimits(tool: Tool): CumulativeLimit[] {
  return typeof tool.def.approval === 'object' ? (tool.def.approval.cumulative ?? []) : [];
}

// Amounts are money in a decimal currency: compare on a fixed grid rather than on float sums (0.1 + 0.2 > 0.3).
const GRID = 1e6;
const above = (value: number, bound: number) => Math.round(value * GRID) > Math.round(bound * GRID);

/**
 * Why a write must wait for a human because, with what the tool already did in a scope (`totals[i]` for `limits[i]`),
 * this call would pass a cumulative limit that enforces; undefined when every such limit holds. Report-only limits are
 * not considered here ({@link cumulativeBreaches} lists them).
 *
 * @example
 * cumulativeReason(refund, limits, [{ amount: 60, calls: 1 }], { amount: 60, values: { invoiceId: 'inv_1' } })
 * // 'issue_refund: amount 60 would bring the total in this case to 120, above the approval limit 100'
 */
export function cumulativeReason(
  tool: Tool, limits: Limit[], totals: ScopeTotals[], call: { amount: number | null; values: Record<string, unknown> },
): string | undefined {
  return enforcedReason(cumulativeBreaches(tool, limits, totals, call));
}

/** The reason of the first breach that holds the call (an `enforce` limit); report-only breaches hold nothing. */
export function enforcedReason(breaches: ReadonlyArray<{ reason: string; mode: 'enforce' | 'report' }>): string | undefined {
  return breaches.find((b) => b.mode === 'enforce')?.reason;
}

/**
 * Every cumulative limit this call would pass, in catalogue order, each with its mode: an `enforce` breach holds the
 * call, a `report` breach is only recorded.
 */
export function cumulativeBreaches(
  tool: Tool, limits: Limit[], totals: ScopeTotals[], call: { amount: number | null; values: Record<string, unknown> },
): Array<{ reason: string; mode: 'enforce' | 'report' }> {
  const out: Array<{ reason: string; mode: 'enforce' | 'report' }> = [];
  for (const [i, limit] of limits.entries()) {
    const reason = breach(tool, limit, totals[i], call);
    if (reason) out.push({ reason, mode: limit.mode ?? 'enforce' });
  }
  return out;
}

function breach(tool: Tool, limit: Limit, totals: ScopeTotals | undefined, call: { amount: number | null; values: Record<string, unknown> }): string | undefined {
  const done = totals ?? { amount: 0, calls: 0 };
  const scope = limit.per === 'case' ? 'in this case' : limit.per === 'tenant-day' ? 'for this tenant in the last 24 hours'
    : `for ${limit.per.map((a) => `${a} ${JSON.stringify(call.values[a] ?? null)}`).join(', ')}`;
  if (limit.amountAbove !== undefined) {
    const total = done.amount + (call.amount ?? 0);
    if (above(total, limit.amountAbove)) {
      return `${tool.def.name}: ${tool.def.amountField ?? 'amount'} ${call.amount ?? 0} would bring the total ${scope} to ${Math.round(total * 100) / 100}, above the approval limit ${limit.amountAbove}`;
    }
  }
  if (limit.callsAbove !== undefined && done.calls + 1 > limit.callsAbove) {
    return `${tool.def.name}: this would be call ${done.calls + 1} ${scope}, above the approval limit of ${limit.callsAbove}`;
  }
  return undefined;
}
