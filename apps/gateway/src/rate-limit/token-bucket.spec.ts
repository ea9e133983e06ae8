import { TokenBucketLimiter } from './token-bucket';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const sut = new TokenBucketLimiter(() => now, 3);
  const limit = { capacity: 3, refillPerSecond: 0.5 };

  beforeEach(() => {
    now = 1_000_000;
    sut.reset();
  });

  it('allows a burst up to capacity, then throttles with the time until the next token', () => {
    expect([1, 2, 3].map(() => sut.take('a', limit).allowed)).toEqual([true, true, true]);
    expect(sut.take('a', limit)).toEqual({ allowed: false, retryAfterMs: 2000 });
  });

  it('refills at the configured rate, never above capacity', () => {
    for (let i = 0; i < 3; i++) sut.take('a', limit);
    now += 2000;
    expect(sut.take('a', limit).allowed).toBe(true);
    expect(sut.take('a', limit).allowed).toBe(false);
    now += 3_600_000;
    expect([1, 2, 3, 4].map(() => sut.take('a', limit).allowed)).toEqual([true, true, true, false]);
  });

  it('keeps separate buckets per key and bounds the number of keys', () => {
    for (let i = 0; i < 3; i++) sut.take('a', limit);
    expect(sut.take('b', limit).allowed).toBe(true);
    sut.take('c', limit);
    sut.take('d', limit); // evicts "a", the oldest key
    expect(sut.take('a', limit).allowed).toBe(true);
  });
});
