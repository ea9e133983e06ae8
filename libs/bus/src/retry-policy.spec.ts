import { backoffMs, decideFailure, outageDelayMs, type RetryPolicy } from './retry-policy';

describe('retry policy', () => {
  const policy: RetryPolicy = { maxAttempts: 5, baseMs: 500, factor: 2, maxMs: 60_000 };

  it('doubles the delay after each failed attempt, starting at the base', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, policy))).toEqual([500, 1000, 2000, 4000]);
  });

  it('caps the delay', () => {
    expect(backoffMs(20, { ...policy, maxMs: 30_000 })).toBe(30_000);
  });

  it('dead-letters user errors at once, without retrying', () => {
    expect(decideFailure('user', 1, policy)).toEqual({ action: 'dead-letter', exhausted: false });
  });

  it('retries system and third-party errors with the next attempt number and its delay', () => {
    expect(decideFailure('system', 1, policy)).toEqual({ action: 'retry', nextAttempt: 2, delayMs: 500 });
    expect(decideFailure('third_party', 4, policy)).toEqual({ action: 'retry', nextAttempt: 5, delayMs: 4000 });
  });

  it('dead-letters once the last allowed attempt failed', () => {
    expect(decideFailure('system', 5, policy)).toEqual({ action: 'dead-letter', exhausted: true });
    expect(decideFailure('system', 1, { ...policy, maxAttempts: 1 })).toEqual({ action: 'dead-letter', exhausted: true });
  });
});

describe('outage backoff', () => {
  const policy = { baseMs: 500, maxMs: 5_000 };

  it('doubles from the base and is capped, whatever the number of failures', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => outageDelayMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('takes off at most a fifth as jitter', () => {
    expect(outageDelayMs(1, policy, () => 0.999)).toBe(400);
    expect(outageDelayMs(10, policy, () => 0.5)).toBe(4500);
  });
});
