import { z } from 'zod';
import { AgentNameSchema, RolloutModeSchema } from './common';

/**
 * Claims of the short-lived, signed per-task token the supervisor mints for one agent task. The gateway trusts
 * nothing else: tenant, allowed tools and mode come from here, never from the agent's request body.
 */
export const TaskTokenClaimsSchema = z.object({
  caseId: z.string().min(1),
  taskId: z.string().min(1),
  tenantId: z.string().min(1),
  region: z.string().min(1),
  agent: AgentNameSchema,
  mode: RolloutModeSchema,
  /** Tool names this task may call; `*` means every tool in the catalogue within the scopes below. */
  tools: z.array(z.string().min(1)).min(1),
  scopes: z.array(z.enum(['read', 'write'])).min(1),
  /**
   * The case's dispatch sequence number when this task was dispatched (monotonic per case). The gateway refuses a
   * token whose seq is lower than the highest it has seen for the case (`TOKEN_SUPERSEDED`): a timed-out task that
   * is still running cannot act once its retry has. Optional only for tokens minted before it existed.
   */
  seq: z.number().int().nonnegative().optional(),
  /** Unix seconds. */
  exp: z.number().int().positive(),
  iat: z.number().int().positive(),
});
export type TaskTokenClaims = z.infer<typeof TaskTokenClaimsSchema>;

/** Body of `POST /v1/tools/:name/invoke`. */
export const ToolInvocationSchema = z.object({
  toolCallId: z.string().min(1).max(200),
  /** Step of the agent's loop; recorded in the audit log (writes are keyed on their effect, not on the step). */
  step: z.number().int().nonnegative(),
  arguments: z.record(z.string(), z.unknown()),
  /** Set to execute a write a human approved: runs only for exactly the approved effect, once. */
  approvalId: z.string().optional(),
});
export type ToolInvocation = z.infer<typeof ToolInvocationSchema>;

/** Structured gateway errors an agent can read and act on (self-correction); never a bare 500. */
export const GatewayErrorCodeSchema = z.enum([
  'TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_SUPERSEDED', 'TOOL_NOT_FOUND', 'TOOL_NOT_IN_SCOPE', 'WRITE_NOT_ALLOWED_IN_MODE',
  'TENANT_MISMATCH', 'ARGUMENTS_INVALID', 'OUTPUT_INVALID', 'RATE_LIMITED', 'APPROVAL_REQUIRED', 'APPROVAL_INVALID',
  'BACKEND_ERROR', 'BACKEND_UNAVAILABLE', 'BACKEND_UNAUTHORIZED', 'BACKEND_REJECTED',
]);
export type GatewayErrorCode = z.infer<typeof GatewayErrorCodeSchema>;

export const ToolResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), tool: z.string(), result: z.unknown(), replayed: z.boolean().default(false), auditId: z.string().optional() }),
  z.object({
    status: z.literal('held'),
    tool: z.string(),
    approvalId: z.string(),
    reason: z.string(),
    expiresAt: z.string(),
  }),
  z.object({
    status: z.literal('error'),
    tool: z.string(),
    error: z.object({
      code: GatewayErrorCodeSchema,
      message: z.string(),
      retryable: z.boolean(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      retryAfterMs: z.number().int().nonnegative().optional(),
    }),
  }),
]);
export type ToolResult = z.infer<typeof ToolResultSchema>;

/** What an agent sees of a tool: enough to offer it to an LLM and, for writes, how the verifier proves it. */
export const ToolDescriptorSchema = z.object({
  name: z.string(),
  description: z.string(),
  scope: z.enum(['read', 'write']),
  risk: z.enum(['low', 'medium', 'high']),
  inputSchema: z.record(z.string(), z.unknown()),
  /** Whether the listing token may call it. Out-of-scope tools are listed too (shadow-mode proposals, read-back checks). */
  callable: z.boolean().optional(),
  readBack: z
    .object({
      tool: z.string(),
      /** Maps read-tool argument names to write-argument names (e.g. { tenantId: 'tenantId' }). */
      arguments: z.record(z.string(), z.string()),
      /** Each entry: a JSON path into the read result and the value or write-argument reference it must equal. */
      expect: z.array(z.object({ path: z.string(), equals: z.unknown().optional(), equalsArgument: z.string().optional() })),
    })
    .optional(),
});
export type ToolDescriptor = z.infer<typeof ToolDescriptorSchema>;
