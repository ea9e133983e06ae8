import { z } from 'zod';
import { PrioritySchema, TicketEventSchema } from './ticket';

/** The default intent taxonomy; deployments may configure their own. */
export const DEFAULT_INTENTS = [
  'dashboard_cache', 'feature_flag', 'trial_extension', 'refund', 'account_lockout', 'how_to', 'bug_report', 'other',
] as const;

export const InjectionRiskSchema = z.enum(['none', 'suspected', 'high']);

export const TriageTaskSchema = z.object({
  taskId: z.string().min(1),
  ticket: TicketEventSchema,
  intents: z.array(z.string().min(1)).min(1),
});
export type TriageTask = z.infer<typeof TriageTaskSchema>;

export const TriageOutputSchema = z.object({
  intent: z.string().min(1),
  priority: PrioritySchema,
  confidence: z.number().min(0).max(1),
  entities: z.object({
    tenantId: z.string().optional(),
    requesterEmail: z.string().optional(),
    userEmail: z.string().optional(),
    amounts: z.array(z.number()).default([]),
    ids: z.array(z.string()).default([]),
  }),
  pii: z.object({ found: z.boolean(), kinds: z.array(z.string()).default([]) }),
  injectionRisk: InjectionRiskSchema,
  summary: z.string().max(2000),
  /** Ticket body with secrets and PII redacted: the only text passed on to later agents. */
  redactedBody: z.string(),
});
export type TriageOutput = z.infer<typeof TriageOutputSchema>;
