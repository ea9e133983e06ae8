import { z } from 'zod';
import { PrioritySchema } from './ticket';

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const name = (what: string) => z.string().regex(NAME, `${what} must be lowercase letters, digits, _ or - (max 64), starting with a letter`);

/** A CEL expression (https://cel.dev), evaluated over the procedure context: `ticket`, `entities`, `slots`, `steps`, `passages`, `result`. */
export const ExpressionSchema = z.string().min(1).max(2000);
/** Text with `${cel expression}` placeholders. */
export const TemplateSchema = z.string().min(1).max(8000);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Tool arguments: argument name → CEL expression (a number or boolean written as such is that constant). */
export const BindingsSchema = z.record(
  z.string().regex(IDENTIFIER, 'argument names are identifiers'),
  z.union([ExpressionSchema, z.number(), z.boolean()]).transform((v) => (typeof v === 'string' ? v : String(v))),
);

/**
 * A value a procedure needs that the ticket may not state plainly (an email, a number of days). `from` derives it from
 * the ticket's entities (a value, or a list of candidates); when that gives nothing or several, the model fills it
 * (`ask`), constrained to `type`/`format`/`enum`; a string the model gives must occur in the ticket text (`inTicket`).
 */
export const SlotSpecSchema = z.strictObject({
  description: z.string().min(3).max(300),
  type: z.enum(['string', 'integer', 'number', 'boolean']),
  format: z.enum(['email']).optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).max(50).optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  from: ExpressionSchema.optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  ask: z.boolean().default(true),
  inTicket: z.boolean().optional(),
});
export type SlotSpec = z.infer<typeof SlotSpecSchema>;

const stepBase = { id: name('step id'), when: ExpressionSchema.optional() };

/** One step: read a tool, write through a tool (gateway rules apply), or stop and hand to a human. */
export const ProcedureStepSchema = z.union([
  z.strictObject({ ...stepBase, read: name('tool'), with: BindingsSchema }),
  z.strictObject({ ...stepBase, write: name('tool'), with: BindingsSchema }),
  z.strictObject({ id: name('step id'), when: ExpressionSchema, escalate: TemplateSchema }),
]);
export type ProcedureStep = z.infer<typeof ProcedureStepSchema>;

/**
 * What "the customer's problem is gone" means, as a read the verifier makes after any `resolved` decision: `expect`
 * is a CEL condition over `result` (the read's result), `ticket`, `entities` and `slots`. `says` is the fact it proves
 * in words; `topics` name the claims it backs in a reply (e.g. `cache`, `dashboard`, `fixed`).
 */
export const SuccessCheckSchema = z.strictObject({
  id: name('check id'),
  read: name('tool'),
  with: BindingsSchema,
  expect: ExpressionSchema,
  says: TemplateSchema,
  topics: z.array(name('topic')).max(20).default([]),
});
export type SuccessCheck = z.infer<typeof SuccessCheckSchema>;

/** A simulated tool answer: a result, an error code, or a hold for approval. */
export const SimulatedAnswerSchema = z.union([
  z.strictObject({ result: z.unknown() }),
  z.strictObject({ error: z.string().min(1), message: z.string().optional() }),
  z.strictObject({ held: z.literal(true) }),
]);

/** A simulation of a procedure: a world of tool answers (one, or one per call in order) and the expected course. */
export const ProcedureTestSchema = z.strictObject({
  name: z.string().min(1).max(200),
  ticket: z.record(z.string(), z.unknown()).default({}),
  entities: z.record(z.string(), z.unknown()).default({}),
  /** Answers the model gives for slots it is asked to fill. */
  slots: z.record(z.string(), z.unknown()).default({}),
  passages: z.array(z.record(z.string(), z.unknown())).default([]),
  mode: z.enum(['autonomous', 'shadow']).default('autonomous'),
  world: z.record(z.string(), z.union([SimulatedAnswerSchema, z.array(SimulatedAnswerSchema).min(1)])),
  /** Run once more after a held write, with the approval granted. */
  approve: z.boolean().default(false),
  expect: z.strictObject({
    outcome: z.enum(['resolved', 'no_action', 'escalate', 'needs_approval', 'proposed']),
    writes: z.array(z.string()).optional(),
    reasonContains: z.string().optional(),
    replyContains: z.array(z.string()).optional(),
    /** For resolved/no_action: whether every success check passes on the world after the run (default true). */
    verified: z.boolean().optional(),
  }),
});
export type ProcedureTest = z.infer<typeof ProcedureTestSchema>;

/**
 * A resolution procedure: the read steps, conditions, write steps with arguments bound to ticket entities, slots or
 * earlier results, escalation branches, the success checks and the reply (only from verified facts). Versioned data,
 * validated at start-up; the resolver runs it deterministically and asks the model only for judgment.
 *
 * @example
 * ProcedureSchema.parse(YAML.parse(readFileSync('procedures/dashboard-cache.yaml', 'utf8')).procedures[0]);
 */
export const ProcedureSchema = z.strictObject({
  id: name('procedure id'),
  version: z.number().int().positive(),
  intent: name('intent'),
  /** Only for these tenants (default: every tenant). A tenant-specific procedure wins over a general one. */
  tenants: z.array(z.string().min(1)).min(1).optional(),
  title: z.string().min(3).max(200),
  /** When this procedure applies, in the customer's terms: shown to the model when several procedures match. */
  description: z.string().min(10).max(2000),
  /** `resolved`: the procedure changes something; `no_action`: it answers, and its reply may claim no change. */
  decision: z.enum(['resolved', 'no_action']).default('resolved'),
  slots: z.record(z.string().regex(IDENTIFIER, 'slot names are identifiers (letters, digits, _)'), SlotSpecSchema).default({}),
  steps: z.array(ProcedureStepSchema).max(50).default([]),
  success: z.array(SuccessCheckSchema).max(20).default([]),
  reply: TemplateSchema,
  tests: z.array(ProcedureTestSchema).max(50).default([]),
});
export type Procedure = z.infer<typeof ProcedureSchema>;
export type ProcedureInput = z.input<typeof ProcedureSchema>;

/** Which procedure (and version) a resolution followed. */
export const ProcedureRefSchema = z.object({ id: z.string(), version: z.number().int().positive() });
export type ProcedureRef = z.infer<typeof ProcedureRefSchema>;

/**
 * The facts of a ticket a procedure may bind to (no free text: subject and body reach a procedure only through
 * triage's redacted body and entities).
 */
export const TicketFactsSchema = z.object({
  tenantId: z.string(),
  region: z.string(),
  source: z.string(),
  externalId: z.string(),
  receivedAt: z.string(),
  requesterEmail: z.string(),
  priority: PrioritySchema,
});
export type TicketFacts = z.infer<typeof TicketFactsSchema>;
