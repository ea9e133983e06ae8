import type { Action } from '@switchboard/contracts';

/** A claim the reply can make about an action, and the write tool whose verified execution backs it. */
interface ClaimRule {
  tool: string;
  label: string;
  pattern: RegExp;
  /** Argument whose value, when the reply states a number with the claim, must match it (e.g. the refund amount). */
  amountArgument?: string;
}

// The first claim check: one English pattern per write tool of the reference backend. Superseded by reviewReply
// (./review.ts), which reads every sentence in any wording; kept for existing callers and as the same-run baseline of
// `npm run eval:claims`.

/** Claims about the reference backend's write tools; a deployment with another catalogue supplies its own rules. */
export const DEFAULT_CLAIM_RULES: ClaimRule[] = [
  { tool: 'issue_refund', label: 'refund', pattern: /\b(refunded|issued (a|the|your)? ?refund|refund (has been|was) (issued|processed|made))\b/i, amountArgument: 'amount' },
  { tool: 'reset_tenant_cache', label: 'cache reset', pattern: /\b(cleared|reset|refreshed|flushed|rebuilt)\b[^.]{0,40}\bcache\b|\bcache\b[^.]{0,40}\b(cleared|reset|refreshed|flushed|rebuilt)\b/i },
  { tool: 'extend_trial', label: 'trial extension', pattern: /\b(extended|prolonged)\b[^.]{0,40}\btrial\b|\btrial\b[^.]{0,40}\b(extended|prolonged)\b/i, amountArgument: 'days' },
  { tool: 'unlock_account', label: 'account unlock', pattern: /\b(unlocked|unblocked|restored access|lockout (has been|was) (lifted|removed|cleared))\b/i },
  { tool: 'set_feature_flag', label: 'feature flag change', pattern: /\b(enabled|disabled|turned (on|off)|switched (on|off)|toggled)\b[^.]{0,40}\b(flag|feature)\b|\b(flag|feature)\b[^.]{0,40}\b(enabled|disabled|turned (on|off)|switched (on|off)|toggled)\b/i },
];

/**
 * Claims in a drafted reply that no verified action backs: an action the reply mentions that was not executed
 * and proven, or a stated amount that differs from the executed one.
 *
 * @example
 * unsupportedClaims('We refunded $50.', [], new Set()); // ['refund: no verified issue_refund backs this claim']
 */
export function unsupportedClaims(reply: string, actions: readonly Action[], verifiedActionIds: ReadonlySet<string>, rules = DEFAULT_CLAIM_RULES): string[] {
  const problems: string[] = [];
  for (const rule of rules) {
    const match = rule.pattern.exec(reply);
    if (!match) continue;
    const backing = actions.filter((a) => a.tool === rule.tool && a.executed && verifiedActionIds.has(a.toolCallId));
    if (backing.length === 0) {
      problems.push(`${rule.label}: no verified ${rule.tool} backs this claim`);
      continue;
    }
    if (rule.amountArgument) {
      const sentence = reply.slice(Math.max(0, match.index - 80), match.index + match[0].length + 80);
      const stated = [...sentence.matchAll(/(\d+(?:\.\d{1,2})?)/g)].map((m) => Number(m[1]));
      const actual = backing.map((a) => Number(a.arguments[rule.amountArgument!]));
      if (stated.length > 0 && !stated.some((n) => actual.includes(n))) {
        problems.push(`${rule.label}: the reply states ${stated.join(', ')} but the verified ${rule.tool} used ${actual.join(', ')}`);
      }
    }
  }
  return problems;
}
