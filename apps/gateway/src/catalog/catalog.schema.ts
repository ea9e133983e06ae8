import { z } from 'zod';
import { ToolDescriptorSchema } from '@switchboard/contracts';

export const RateLimitSchema = z.strictObject({
  /** Burst size: calls allowed at once per (agent, tenant, tool). */
  capacity: z.number().int().positive(),
  /** Sustained rate the bucket refills at. */
  refillPerSecond: z.number().positive(),
  /**
   * `enforce` (default) refuses a call over the limit with RATE_LIMITED; `report` lets it through and appends a
   * `reported` verdict to the audit log, so a new or tightened limit can be watched before it enforces.
   */
  mode: z.enum(['enforce', 'report']).default('enforce'),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

/**
 * A cumulative approval limit: what this tool already did (executed, or attempted with the effect unknown) in a
 * scope, plus this call, above a bound → the call is held for a human. `per`: `case`; `tenant-day` (the tenant, last
 * 24 hours, rolling); or a list of argument names (the tenant, all time, same values of those arguments, e.g.
 * `[invoiceId]`: per invoice). `amountAbove` sums the tool's amountField; `callsAbove` counts executions. `mode`:
 * `enforce` (default) holds the call; `report` lets it run and appends a `reported` APPROVAL_REQUIRED verdict to the
 * audit log, so a new limit can be watched on real traffic before it holds anything.
 */
export const CumulativeLimitSchema = z
  .strictObject({
    per: z.union([z.literal('case'), z.literal('tenant-day'), z.array(z.string().min(1)).min(1)]),
    amountAbove: z.number().nonnegative().optional(),
    callsAbove: z.number().int().nonnegative().optional(),
    mode: z.enum(['enforce', 'report']).default('enforce'),
  })
  .refine((l) => (l.amountAbove === undefined) !== (l.callsAbove === undefined), 'give exactly one of amountAbove / callsAbove');
export type CumulativeLimit = z.infer<typeof CumulativeLimitSchema>;

/**
 * `never`, `always`, or `{ above?: N, cumulative?: [...] }`: held when the tool's amountField exceeds N in one call, or
 * when a cumulative limit would be passed (so splitting a write does not dodge approval).
 */
export const ApprovalPolicySchema = z.union([
  z.literal('never'),
  z.literal('always'),
  z
    .strictObject({ above: z.number().nonnegative().optional(), cumulative: z.array(CumulativeLimitSchema).min(1).optional() })
    .refine((p) => p.above !== undefined || p.cumulative !== undefined, 'give above and/or cumulative'),
]);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

const JsonSchemaObject = z.record(z.string(), z.unknown());

/**
 * One field of a held write's preview: a path into the read tool's result, a label for the approver, and what the
 * field will read after the write — a constant (`equals`), an argument (`equalsArgument`), or the current value plus or
 * minus an argument (`plusArgument`, `minusArgument`; numbers). No `after`: shown as context, unchanged.
 */
export const PreviewFieldSchema = z.strictObject({
  path: z.string().min(1).max(200),
  label: z.string().min(1).max(80).optional(),
  after: z
    .strictObject({ equals: z.unknown().optional(), equalsArgument: z.string().optional(), plusArgument: z.string().optional(), minusArgument: z.string().optional() })
    .refine((a) => Object.values(a).filter((v) => v !== undefined).length === 1, 'give exactly one of equals / equalsArgument / plusArgument / minusArgument')
    .optional(),
});
export type PreviewField = z.infer<typeof PreviewFieldSchema>;

/**
 * What an approver is shown for a held write (`GET /v1/approvals/:id/preview`): the state it would change, read now
 * through a read tool, beside what it will read afterwards. Without one, a write's preview is its readBack check.
 */
export const PreviewSchema = z.strictObject({
  tool: z.string().min(1),
  /** Maps read-tool argument names to write-argument names, like readBack. */
  arguments: z.record(z.string(), z.string()),
  fields: z.array(PreviewFieldSchema).min(1).max(20),
});
export type Preview = z.infer<typeof PreviewSchema>;

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
  /** JSON Schema of the arguments; must require the tenant argument (a string). */
  input: JsonSchemaObject,
  /** The argument that names the tenant; it must equal the token's tenant on every call. */
  tenantArgument: z.string().min(1).default('tenantId'),
  /**
   * Write tools (required): the arguments that identify the business effect (e.g. tenant, invoice, amount), never free
   * text. The same effect in one case runs once; asking again replays its result. Must include the tenant argument,
   * every path parameter and the amountField.
   */
  effectKey: z.array(z.string().min(1)).min(1).optional(),
  /** JSON Schema the backend's response must satisfy (OUTPUT_INVALID otherwise). */
  output: JsonSchemaObject.default({}),
  /** Argument carrying a money amount, compared with `approval.above` and summed by cumulative `amountAbove` limits. */
  amountField: z.string().optional(),
  approval: ApprovalPolicySchema.default('never'),
  rateLimit: RateLimitSchema.optional(),
  /** How the verifier proves a write took effect: a read tool and what its result must show. */
  readBack: ToolDescriptorSchema.shape.readBack,
  /** Write tools (optional): what an approver sees of a held call; defaults to the readBack check's fields. */
  preview: PreviewSchema.optional(),
});
export type ToolDefinition = z.infer<typeof ToolDefinitionSchema>;
export type ToolDefinitionInput = z.input<typeof ToolDefinitionSchema>;

export const CatalogFileSchema = z.strictObject({
  version: z.literal(1),
  defaults: z.strictObject({ rateLimit: RateLimitSchema }).default({ rateLimit: { capacity: 20, refillPerSecond: 2, mode: 'enforce' } }),
  /** OpenAPI 3 documents whose operations become tools (paths relative to the catalogue file). */
  imports: z.array(z.strictObject({ openapi: z.string().min(1), backend: z.string().min(1), include: z.array(z.string()).optional() })).default([]),
  tools: z.array(z.unknown()).default([]),
});
