import { z } from 'zod';
import { TaskDeadlineSchema } from './common';
import { PrioritySchema, TicketEventSchema } from './ticket';

/** The default intent taxonomy; deployments may configure their own. */
export const DEFAULT_INTENTS = [
  'dashboard_cache', 'feature_flag', 'trial_extension', 'refund', 'account_lockout', 'how_to', 'bug_report', 'other',
] as const;

export const InjectionRiskSchema = z.enum(['none', 'suspected', 'high']);

export const TriageTaskSchema = z.object({
  taskId: z.string().min(1),
  deadline: TaskDeadlineSchema,
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
    /** Money amounts named in the ticket (`$40`, `250,00 EUR`, `99 €`), in order of appearance. */
    amounts: z.array(z.number()).default([]),
    /** Identifiers such as invoice or user ids (`inv_globex_1001`, `INV-2041`). */
    ids: z.array(z.string()).default([]),
    /** Every email address in subject and body, lower-cased, deduplicated, in order of appearance. */
    emails: z.array(z.string()).default([]),
    /** Durations converted to days (`two weeks` → 14, `un mois` → 30, `14 Tage` → 14), in order of appearance. */
    days: z.array(z.number()).default([]),
  }),
  pii: z.object({ found: z.boolean(), kinds: z.array(z.string()).default([]) }),
  injectionRisk: InjectionRiskSchema,
  summary: z.string().max(2000),
  /**
   * `model`: the model's summary; `ticket`: the ticket's own first line, because the model's summary was not about the
   * ticket (a small model copying a demonstration). Absent on messages from older triage versions.
   */
  summarySource: z.enum(['model', 'ticket']).optional(),
  /** Ticket body with secrets and PII redacted: the only text passed on to later agents. */
  redactedBody: z.string(),
  /**
   * What each independent intent signal said (nearest labelled examples, the model, extracted entities), for the
   * trace: `score` is the share of that signal's vote given to `intent`. Absent on messages from older triage versions.
   */
  signals: z.array(z.object({ source: z.string().min(1), intent: z.string().min(1), score: z.number().min(0).max(1) })).optional(),
});
export type TriageOutput = z.infer<typeof TriageOutputSchema>;
