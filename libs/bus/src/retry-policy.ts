import type { ErrorCategory } from '@switchboard/observability';

/** Exponential backoff of the retry topic. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  factor: number;
  maxMs: number;
}

/**
 * Delay before the delivery that follows `failedAttempt` (1-based): base, base·factor, base·factor², … capped.
 *
 * @example
 * backoffMs(1, { maxAttempts: 5, baseMs: 500, factor: 2, maxMs: 60_000 }); // 500
 * backoffMs(3, { maxAttempts: 5, baseMs: 500, factor: 2, maxMs: 60_000 }); // 2000
 */
export function backoffMs(failedAttempt: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, failedAttempt - 1);
  return Math.min(policy.maxMs, Math.round(policy.baseMs * policy.factor ** exponent));
}

/** What happens to a message whose handler threw. */
export type FailureDecision = { action: 'retry'; nextAttempt: number; delayMs: number } | { action: 'dead-letter'; exhausted: boolean };

/**
 * STYLE.md §7: `user` errors go to the DLQ at once (retrying cannot fix bad input); `system` and `third_party` errors
 * retry with backoff until `maxAttempts` deliveries were made.
 *
 * @example
 * decideFailure('third_party', 1, policy); // { action: 'retry', nextAttempt: 2, delayMs: 500 }
 */
export function decideFailure(category: ErrorCategory, attempt: number, policy: RetryPolicy): FailureDecision {
  if (category === 'user') return { action: 'dead-letter', exhausted: false };
  if (attempt >= policy.maxAttempts) return { action: 'dead-letter', exhausted: true };
  return { action: 'retry', nextAttempt: attempt + 1, delayMs: backoffMs(attempt, policy) };
}

/** Backoff while a dependency is down: the same message is tried again after each delay. */
export interface OutagePolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before trying a message again after its `failures`-th consecutive dependency outage: base, 2·base, 4·base, …
 * capped at `maxMs`, less up to 20 % jitter so the members of a group do not hit a recovering dependency in step.
 *
 * @example
 * outageDelayMs(1, { baseMs: 500, maxMs: 5_000 }, () => 0); // 500
 * outageDelayMs(9, { baseMs: 500, maxMs: 5_000 }, () => 0); // 5000
 */
export function outageDelayMs(failures: number, policy: OutagePolicy, random: () => number = Math.random): number {
  const exponent = Math.min(30, Math.max(0, failures - 1));
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(delay * (1 - 0.2 * random()));
}
