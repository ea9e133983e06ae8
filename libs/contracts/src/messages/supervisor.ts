import { z } from 'zod';
import { ActorSchema, RolloutModeSchema, TicketRefSchema } from './common';

/** Longest reply a human may send from the console (a support reply is a few hundred words). */
export const MAX_HUMAN_REPLY_CHARS = 10_000;

/**
 * Commands that drive a case from outside (console, API, any client): all go through `supervisor.commands`.
 *
 * @example
 * SupervisorCommandSchema.parse({ command: 'approve', approvalId: 'apr_1', by: { userId: 'ana', role: 'supervisor' } });
 */
export const SupervisorCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('approve'), approvalId: z.string().min(1), by: ActorSchema, comment: z.string().max(2000).optional() }),
  z.object({ command: z.literal('reject'), approvalId: z.string().min(1), by: ActorSchema, reason: z.string().min(1).max(2000) }),
  z.object({ command: z.literal('take_over'), by: ActorSchema }),
  z.object({ command: z.literal('close'), by: ActorSchema, note: z.string().max(4000).optional() }),
  z.object({ command: z.literal('rerun'), by: ActorSchema, hint: z.string().max(4000).optional() }),
  /** Assignment (no status change): claim an unassigned case, release one's own, reassign to a named user. */
  z.object({ command: z.literal('claim'), by: ActorSchema }),
  z.object({ command: z.literal('release'), by: ActorSchema }),
  z.object({ command: z.literal('reassign'), by: ActorSchema, to: z.string().min(1).max(200) }),
  /**
   * A human's reply on an escalated case (the agents' draft, edited or not), sent to the customer on `tickets.replies`
   * and closing the case. `run` is the run whose evidence the text was checked against; a command for another run is
   * ignored. The supervisor checks the text against that evidence again before it sends anything.
   */
  z.object({ command: z.literal('send_reply'), by: ActorSchema, body: z.string().trim().min(1).max(MAX_HUMAN_REPLY_CHARS), run: z.number().int().positive() }),
]);
export type SupervisorCommand = z.infer<typeof SupervisorCommandSchema>;

export const CaseStatusSchema = z.enum([
  'RECEIVED', 'TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'AWAITING_APPROVAL', 'VERIFYING', 'RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED',
]);
export type CaseStatus = z.infer<typeof CaseStatusSchema>;

/** Everything a human needs to take over a case without re-reading it all. */
export const HandoffPacketSchema = z.object({
  reason: z.string(),
  breaker: z.string().optional(),
  asked: z.string(),
  findings: z.array(z.object({ agent: z.string(), summary: z.string() })),
  tried: z.array(z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()), outcome: z.string() })),
  counters: z.record(z.string(), z.number()),
  suggestedNextStep: z.string().optional(),
});
export type HandoffPacket = z.infer<typeof HandoffPacketSchema>;

/** The one terminal outcome of a case, on `tickets.outcomes`. */
export const CaseOutcomeSchema = z.object({
  status: z.enum(['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED']),
  mode: RolloutModeSchema,
  intent: z.string().optional(),
  reason: z.string().optional(),
  summary: z.string(),
  verified: z.boolean(),
  handoff: HandoffPacketSchema.optional(),
  /** The ticket and run this outcome is about (added by the supervisor for the helpdesk connector). */
  ticket: TicketRefSchema.optional(),
  run: z.number().int().positive().optional(),
});
export type CaseOutcome = z.infer<typeof CaseOutcomeSchema>;

/** The customer reply, on `tickets.replies`, only ever after the verifier confirmed the resolution. */
export const CustomerReplySchema = z.object({
  source: z.string(),
  externalId: z.string(),
  to: z.string(),
  subject: z.string(),
  body: z.string().min(1),
  evidenceCount: z.number().int().nonnegative(),
  /** Case run of this reply: the helpdesk connector posts at most one public reply per case run. */
  run: z.number().int().positive().optional(),
});
export type CustomerReply = z.infer<typeof CustomerReplySchema>;

/** Shadow and assist modes: an internal note of what would have been done, on `tickets.internal-notes`. */
export const InternalNoteSchema = z.object({
  mode: RolloutModeSchema,
  body: z.string(),
  proposedActions: z.array(z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()) })).default([]),
  ticket: TicketRefSchema.optional(),
  run: z.number().int().positive().optional(),
});
export type InternalNote = z.infer<typeof InternalNoteSchema>;
