import type { RateLimit } from '../catalog/catalog.schema';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * In-process token buckets, one per key (the gateway uses agent|tenant|tool). Exact for a single gateway replica;
 * with several replicas each enforces its own budget (see docs/gateway.md for the Postgres-backed option).
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now, private readonly maxKeys = 100_000) {}

  take(key: string, limit: Pick<RateLimit, 'capacity' | 'refillPerSecond'>): { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.capacity, updatedMs: now };
    const elapsedSeconds = Math.max(0, now - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + elapsedSeconds * limit.refillPerSecond);
    bucket.updatedMs = now;
    this.remember(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / limit.refillPerSecond) * 1000) };
  }

  /** Forgets every bucket (operators after an incident; tests between cases). */
  reset(): void {
    this.buckets.clear();
  }

  private remember(key: string, bucket: Bucket): void {
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) {
      // Map iteration is insertion order: drop the oldest key rather than grow without bound.
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(key, bucket);
  }
}
