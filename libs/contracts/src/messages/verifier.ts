import { z } from 'zod';
import { RolloutModeSchema, TaskDeadlineSchema } from './common';
import { ProcedureRefSchema, SuccessCheckSchema, TicketFactsSchema } from './procedure';
import { ActionSchema } from './resolver';

export const VerifierTaskSchema = z.object({
  taskId: z.string().min(1),
  deadline: TaskDeadlineSchema,
  actions: z.array(ActionSchema),
  draftReply: z.string(),
  summary: z.string(),
  mode: RolloutModeSchema,
  gatewayToken: z.string().min(1),
  /** What the resolver decided: `resolved` needs proof that the problem is gone; `no_action` may claim no change. */
  decision: z.enum(['resolved', 'no_action']).default('resolved'),
  /** Success criteria of the intent and of the procedure followed, run after any `resolved` decision. */
  success: z.array(SuccessCheckSchema).max(40).default([]),
  /** What the success checks bind to. */
  context: z
    .object({
      ticket: TicketFactsSchema.optional(),
      entities: z.record(z.string(), z.unknown()).default({}),
      slots: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ entities: {}, slots: {} }),
  procedure: ProcedureRefSchema.optional(),
  /**
   * The knowledge passages the supervisor holds for this case (from the retrieval agent): the reply may quote `customer`
   * ones verbatim as documentation; a verbatim quote of an `internal` one fails verification.
   */
  sources: z.array(z.object({ id: z.string().min(1), audience: z.enum(['customer', 'internal']), text: z.string().max(20_000) })).max(50).default([]),
});
export type VerifierTask = z.infer<typeof VerifierTaskSchema>;

/** One read-back check: the state re-read through a read-scoped tool, compared with what the write promised. */
export const EvidenceSchema = z.object({
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  expected: z.unknown(),
  observed: z.unknown(),
  passed: z.boolean(),
  forAction: z.string().optional(),
  /** The success check this entry comes from (absent for a write's read-back). */
  check: z.string().optional(),
  /** What the check proved, in words (rendered from the check's `says`). */
  says: z.string().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const VerifierOutputSchema = z.object({
  verified: z.boolean(),
  evidence: z.array(EvidenceSchema),
  unsupportedClaims: z.array(z.string()).default([]),
  reason: z.string().optional(),
});
export type VerifierOutput = z.infer<typeof VerifierOutputSchema>;
