import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ACME_CONFIG, type AcmeConfig } from '../acme.config';

export const FaultSchema = z.strictObject({
  /** Handler name, e.g. `getCache`, `issueRefund` (see docs/acme-backend.md), or `*` for every operation. */
  operation: z.string().min(1),
  /** unavailable → 503, error → 500, unauthorized → 401, malformed → 200 non-JSON body, wrong_schema → 200 JSON of
   *  another shape, slow → answers normally after delayMs. */
  mode: z.enum(['unavailable', 'error', 'unauthorized', 'malformed', 'wrong_schema', 'slow']),
  /** How many calls the fault affects; unlimited when absent. */
  times: z.number().int().positive().optional(),
  delayMs: z.number().int().nonnegative().max(60_000).default(0),
});
export type Fault = z.infer<typeof FaultSchema>;

/** Test-only chaos switches and per-operation call counters (enabled with ACME_ENABLE_FAULTS=true). */
@Injectable()
export class FaultsService {
  private readonly faults = new Map<string, Fault & { remaining?: number }>();
  private readonly counts = new Map<string, number>();
  private readonly enabled: boolean;

  constructor(@Inject(ACME_CONFIG) config: AcmeConfig) {
    this.enabled = config.ACME_ENABLE_FAULTS;
  }

  set(fault: Fault): void {
    this.faults.set(fault.operation, { ...fault, ...(fault.times ? { remaining: fault.times } : {}) });
  }

  clear(): void {
    this.faults.clear();
  }

  list(): Fault[] {
    return [...this.faults.values()];
  }

  /** Counts the call and returns the fault to apply to it, if any. */
  onCall(operation: string): Fault | undefined {
    if (!this.enabled) return undefined;
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    const key = this.faults.has(operation) ? operation : this.faults.has('*') ? '*' : undefined;
    if (!key) return undefined;
    const fault = this.faults.get(key)!;
    if (fault.remaining !== undefined && --fault.remaining <= 0) this.faults.delete(key);
    return fault;
  }

  stats(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetStats(): void {
    this.counts.clear();
  }
}
