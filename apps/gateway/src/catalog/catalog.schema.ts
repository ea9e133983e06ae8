import { z } from 'zod';
import { ToolDescriptorSchema } from '@switchboard/contracts';

export const RateLimitSchema = z.strictObject({
  /** Burst size: calls allowed at once per (agent, tenant, tool). */
  capacity: z.number().int().positive(),
  /** Sustained rate the bucket refills at. */
  refillPerSecond: z.number().positive(),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

/** `never`, `always`, or `{ above: N }`: held when the tool's amountField exceeds N. */
export const ApprovalPolicySchema = z.union([z.literal('never'), z.literal('always'), z.strictObject({ above: z.number().nonnegative() })]);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

const JsonSchemaObject = z.record(z.string(), z.unknown());

/** One tool as written in a catalogue file (or produced by the OpenAPI importer). */
export const ToolDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'tool names are snake_case'),
  description: z.string().min(10, 'describe the tool for the model (at least 10 characters)'),
  backend: z.string().min(1),
  scope: z.enum(['read', 'write']),
  risk: z.enum(['low', 'medium', 'high']),
  http: z.strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    /** `{name}` segments are filled from arguments; GET sends the other arguments as query, others as JSON body. */
    path: z.string().startsWith('/'),
  }),
  /** JSON Schema of the arguments; must require `tenantId`. */
  input: JsonSchemaObject,
  /** JSON Schema the backend's response must satisfy (OUTPUT_INVALID otherwise). */
  output: JsonSchemaObject.default({}),
  /** Argument carrying a money amount, compared with `approval.above`. */
  amountField: z.string().optional(),
  approval: ApprovalPolicySchema.default('never'),
  rateLimit: RateLimitSchema.optional(),
  /** How the verifier proves a write took effect: a read tool and what its result must show. */
  readBack: ToolDescriptorSchema.shape.readBack,
});
export type ToolDefinition = z.infer<typeof ToolDefinitionSchema>;
export type ToolDefinitionInput = z.input<typeof ToolDefinitionSchema>;

export const CatalogFileSchema = z.strictObject({
  version: z.literal(1),
  defaults: z.strictObject({ rateLimit: RateLimitSchema }).default({ rateLimit: { capacity: 20, refillPerSecond: 2 } }),
  /** OpenAPI 3 documents whose operations become tools (paths relative to the catalogue file). */
  imports: z.array(z.strictObject({ openapi: z.string().min(1), backend: z.string().min(1), include: z.array(z.string()).optional() })).default([]),
  tools: z.array(z.unknown()).default([]),
});
