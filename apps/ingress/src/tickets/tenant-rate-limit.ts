import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SwitchboardError } from '@switchboard/observability';

/** A tenant sent more tickets than its per-replica allowance; `retryAfterSeconds` says when one is free again. */
export class TenantRateLimitedError extends SwitchboardError {
  constructor(readonly tenantId: string, readonly retryAfterSeconds: number) {
    super('INGRESS.TENANT_RATE_LIMITED', 'user', `tenant ${tenantId} sent more than its allowance of tickets; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * Per-tenant ticket allowance of `POST /tickets` (rate-limiter-flexible, in memory: the allowance is per ingress
 * replica, so N replicas admit up to N times it). Off when `perMinute` is 0. It is the edge's backpressure: a client
 * over its allowance gets 429 with Retry-After and retries, instead of the storm being queued without bound; fairness
 * among the tickets that are accepted is the supervisor's admission (docs/operations.md "Tenant fairness").
 */
export class TenantRateLimit {
  private readonly limiter?: RateLimiterMemory;

  constructor(perMinute: number) {
    if (perMinute > 0) this.limiter = new RateLimiterMemory({ keyPrefix: 'ingress_tenant', points: perMinute, duration: 60 });
  }

  /** Takes one ticket of the tenant's allowance, or throws {@link TenantRateLimitedError}. */
  async take(tenantId: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(tenantId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new TenantRateLimitedError(tenantId, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
  }
}
