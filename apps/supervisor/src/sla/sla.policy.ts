import { z } from 'zod';

/** Ticket priorities, most urgent first (the inbox's queue order). */
export const SLA_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type SlaPriority = (typeof SLA_PRIORITIES)[number];

const Minutes = z.number().int('SLA minutes must be whole minutes').positive('SLA minutes must be positive').max(525_600, 'an SLA longer than a year is a typo');
const PerPriority = z.strictObject({ urgent: Minutes.optional(), high: Minutes.optional(), normal: Minutes.optional(), low: Minutes.optional() });

/**
 * `SUPERVISOR_SLA`: minutes from the ticket's arrival within which a case should be answered, per priority and
 * optionally per tenant (a tenant's entry overrides the priorities it names). Unnamed priorities fall back to
 * `SUPERVISOR_SLA_MINUTES`.
 *
 * @example
 * SlaPolicySchema.parse({ priorities: { urgent: 15, high: 60 }, tenants: { acme: { urgent: 5 } } });
 */
export const SlaPolicySchema = z.strictObject({
  priorities: PerPriority.default({}),
  tenants: z.record(z.string().min(1).max(200), PerPriority).default({}),
});
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

/** The env value: JSON of {@link SlaPolicySchema}; empty or unset means one SLA for every case. */
export const SlaPolicyEnvSchema = z.string().default('{}').transform((raw, ctx) => {
  try {
    return JSON.parse(raw.trim() || '{}') as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'SUPERVISOR_SLA must be JSON like {"priorities":{"urgent":15,"high":60},"tenants":{"acme":{"urgent":5}}} (minutes)' });
    return z.NEVER;
  }
}).pipe(SlaPolicySchema);

/** A case's SLA: its allowance in minutes and when it is due (ticket arrival + allowance). */
export interface CaseSla {
  minutes: number;
  dueAt: string;
}

/**
 * SLA allowances per tenant and priority; pure (the clock is the caller's).
 *
 * @example
 * const sla = new SlaClock({ priorities: { urgent: 15 }, tenants: {} }, 60);
 * sla.of('acme', 'urgent', new Date('2026-12-04T10:00:00Z')); // { minutes: 15, dueAt: '2026-12-04T10:15:00.000Z' }
 */
export class SlaClock {
  constructor(private readonly policy: SlaPolicy, private readonly fallbackMinutes: number) {}

  minutes(tenantId: string, priority: SlaPriority): number {
    return this.policy.tenants[tenantId]?.[priority] ?? this.policy.priorities[priority] ?? this.fallbackMinutes;
  }

  of(tenantId: string, priority: SlaPriority, arrivedAt: Date | string): CaseSla {
    const minutes = this.minutes(tenantId, priority);
    return { minutes, dueAt: new Date(new Date(arrivedAt).getTime() + minutes * 60_000).toISOString() };
  }

  breached(tenantId: string, priority: SlaPriority, arrivedAt: Date | string, now: Date): boolean {
    return Date.parse(this.of(tenantId, priority, arrivedAt).dueAt) <= now.getTime();
  }

  /** Tenants with an override of their own. */
  tenants(): string[] {
    return Object.keys(this.policy.tenants);
  }

  /** The allowance per priority (the tenant's when given), for the console's legend. */
  table(tenantId?: string): Record<SlaPriority, number> {
    return Object.fromEntries(SLA_PRIORITIES.map((p) => [p, this.minutes(tenantId ?? '', p)])) as Record<SlaPriority, number>;
  }
}

/** Statuses that stop a case's SLA clock (the customer has an answer); a FAILED case still waits for a human. */
export const SLA_STOPPED: readonly string[] = ['RESOLVED', 'CLOSED'];

/** The inbox's `cases.urgency` of each priority (see inbox.repository.ts). */
export const URGENCY: Record<SlaPriority, number> = { urgent: 3, high: 2, normal: 1, low: 0 };

/**
 * Every allowance as rows for the SLA query: the default of each priority (tenant '') and each tenant override.
 *
 * @example
 * slaRows(clock); // [{ tenantId: '', urgency: 3, minutes: 15 }, …, { tenantId: 'acme', urgency: 3, minutes: 5 }]
 */
export function slaRows(clock: SlaClock): Array<{ tenantId: string; urgency: number; minutes: number }> {
  return [
    ...SLA_PRIORITIES.map((p) => ({ tenantId: '', urgency: URGENCY[p], minutes: clock.minutes('', p) })),
    ...clock.tenants().flatMap((t) => SLA_PRIORITIES.map((p) => ({ tenantId: t, urgency: URGENCY[p], minutes: clock.minutes(t, p) }))),
  ];
}
