import { z } from 'zod';

export const AgentNameSchema = z.enum(['triage', 'retrieval', 'resolver', 'verifier']);
export type AgentName = z.infer<typeof AgentNameSchema>;

/** Rollout mode of a workflow: shadow (read-only, internal note), assist (read-only, routed), autonomous (writes). */
export const RolloutModeSchema = z.enum(['shadow', 'assist', 'autonomous']);
export type RolloutMode = z.infer<typeof RolloutModeSchema>;

/** Token and cost accounting of one agent step, summed into the case budget by the supervisor. */
export const UsageSchema = z.object({
  llmCalls: z.number().int().nonnegative().default(0),
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
  costUsd: z.number().nonnegative().default(0),
  /** The models that answered the step's LLM calls (for cost per verified resolution by model). */
  models: z.array(z.string().min(1).max(200)).max(8).optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** A failure as data (STYLE.md §7): stable code, category deciding retry vs. dead-letter, readable message. */
export const ErrorInfoSchema = z.object({
  code: z.string().min(1),
  category: z.enum(['user', 'system', 'third_party']),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/** Who did something from the console or API. */
export const ActorSchema = z.object({
  userId: z.string().min(1).max(200),
  role: z.enum(['supervisor', 'agent', 'viewer', 'system']),
});
export type Actor = z.infer<typeof ActorSchema>;

/**
 * The ticket a case came from, in its source system, and the case run a delivery belongs to. The supervisor adds it to
 * every reply, internal note and outcome, so the helpdesk connector knows where to deliver without a lookup.
 *
 * @example
 * TicketRefSchema.parse({ source: 'zendesk', externalId: '4711' });
 */
export const TicketRefSchema = z.object({
  source: z.string().min(1).max(50),
  externalId: z.string().min(1).max(200),
});
export type TicketRef = z.infer<typeof TicketRefSchema>;

/**
 * When the supervisor stops waiting for a task's answer (its step timeout), as an ISO-8601 time. An agent that takes a
 * task from the queue after it skips the work: the supervisor has already timed the task out and dispatched it again
 * (or escalated), so the answer would be ignored, and under overload such stale work is what keeps the queues long.
 * Optional: a task from a supervisor of an earlier release has none.
 */
export const TaskDeadlineSchema = z.string().datetime({ offset: true }).optional();
