import { z } from 'zod';
import { RolloutModeSchema, TaskDeadlineSchema } from './common';
import { ProcedureRefSchema, ProcedureSchema, TicketFactsSchema } from './procedure';
import { PassageSchema } from './retrieval';
import { TriageOutputSchema } from './triage';

/** One step of the resolver's ReAct loop, kept verbatim for the trace. */
export const TraceStepSchema = z.object({
  kind: z.enum(['thought', 'tool_call', 'observation', 'final']),
  at: z.string(),
  text: z.string().optional(),
  tool: z.string().optional(),
  toolCallId: z.string().optional(),
  arguments: z.record(z.string(), z.unknown()).optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  latencyMs: z.number().nonnegative().optional(),
});
export type TraceStep = z.infer<typeof TraceStepSchema>;

/** A write the gateway executed (or, in shadow mode, would have executed). */
export const ActionSchema = z.object({
  toolCallId: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  result: z.unknown().optional(),
  executed: z.boolean(),
});
export type Action = z.infer<typeof ActionSchema>;

export const PendingApprovalSchema = z.object({
  approvalId: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  reason: z.string(),
  expiresAt: z.string().optional(),
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const ResolverTaskSchema = z.object({
  taskId: z.string().min(1),
  deadline: TaskDeadlineSchema,
  subject: z.string(),
  body: z.string(),
  triage: TriageOutputSchema,
  passages: z.array(PassageSchema),
  mode: RolloutModeSchema,
  gatewayToken: z.string().min(1),
  maxSteps: z.number().int().positive().max(50).default(8),
  hint: z.string().max(4000).optional(),
  /** Set when a human approved a held action: the resolver runs exactly this approval and goes on. */
  approvedApprovalId: z.string().optional(),
  /** The approved action itself (tool and the exact arguments bound to the approval). */
  approved: PendingApprovalSchema.optional(),
  previousFindings: z.array(z.string()).default([]),
  /** The ticket's facts (ids, tenant, times; no free text) for procedure bindings. */
  ticket: TicketFactsSchema.optional(),
  /** Procedures that match the case's intent and tenant: the resolver runs one deterministically, or the free loop when empty. */
  procedures: z.array(ProcedureSchema).max(20).default([]),
  /** Slot values fixed by an earlier run of this case (re-run after an approval): the write must come out the same. */
  slots: z.record(z.string(), z.unknown()).optional(),
});
export type ResolverTask = z.infer<typeof ResolverTaskSchema>;

export const ResolverOutputSchema = z.object({
  decision: z.enum(['resolved', 'needs_approval', 'escalate', 'no_action']),
  summary: z.string(),
  draftReply: z.string().default(''),
  steps: z.array(TraceStepSchema),
  actions: z.array(ActionSchema).default([]),
  pendingApproval: PendingApprovalSchema.optional(),
  findings: z.array(z.string()).default([]),
  escalationReason: z.string().optional(),
  /** The procedure the resolver followed (absent for the free loop). */
  procedure: ProcedureRefSchema.optional(),
  /** Slot values the procedure ran with (from entities or the model). */
  slots: z.record(z.string(), z.unknown()).optional(),
});
export type ResolverOutput = z.infer<typeof ResolverOutputSchema>;
