import { z } from 'zod';
import { RegionSchema, TenantIdSchema } from '../envelope';

/** Ticket priority, as support tools use it. */
export const PrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type Priority = z.infer<typeof PrioritySchema>;

/**
 * Limits of what the case store can hold, part of the public contract (docs/contracts/ticket-event.schema.json,
 * docs/ingress.md). Postgres refuses U+0000 in text and jsonb and unpaired UTF-16 surrogates in jsonb, so a ticket
 * carrying either would be accepted by a client and then fail every write; `metadata` is bounded in depth (deeper
 * values overflow the stack of JSON serialisers on the way) and in size (the case row and cache keep it whole).
 *
 * @example
 * TICKET_LIMITS.metadataMaxDepth; // 8: metadata { a: { b: { … } } } may hold objects/arrays nested 8 deep
 */
export const TICKET_LIMITS = {
  metadataMaxDepth: 8,
  metadataMaxBytes: 16_384,
  metadataMaxKeyLength: 200,
} as const;

// A NUL or an unpaired surrogate; a regex that only looks at those code units, so clean text costs one linear scan.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be found
const UNSTORABLE_CHAR = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// The same rule as a JSON Schema pattern (ECMA-262, no flags), for clients that validate before sending.
const STORABLE_PATTERN = '^(?:[^\\u0000\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';
const UNSTORABLE_CHARS = new RegExp(UNSTORABLE_CHAR.source, 'g');
const UNSTORABLE_MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate (the case store cannot hold them)';

/**
 * Whether Postgres can store `text` in a text or jsonb column: no U+0000 and no unpaired UTF-16 surrogate.
 *
 * @example
 * isStorableText('naïve 😀'); // true
 * isStorableText('a\u0000b'); // false
 */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE_CHAR.test(text);
}

/**
 * A string the case store can hold (see {@link isStorableText}); its JSON Schema carries the equivalent `pattern`.
 *
 * @example
 * storableString().max(500).parse('Dashboard blank');
 */
export function storableString(): z.ZodString {
  return z.string().refine(isStorableText, UNSTORABLE_MESSAGE).meta({ pattern: STORABLE_PATTERN }) as unknown as z.ZodString;
}

/**
 * The first reason a metadata value cannot be stored, with the path to it: nested too deep, a key too long, or a
 * string or key the store refuses. Recursion stops at the depth limit, so a value nested 100,000 deep costs 9 calls.
 */
function metadataProblem(value: unknown, depth: number, path: Array<string | number>): { path: Array<string | number>; message: string } | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : { path, message: UNSTORABLE_MESSAGE };
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > TICKET_LIMITS.metadataMaxDepth) {
    return { path, message: `metadata is nested deeper than ${TICKET_LIMITS.metadataMaxDepth} objects/arrays` };
  }
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (typeof key === 'string') {
      // The reported path must itself be storable wherever the error ends up (a dead letter, a log line).
      if (!isStorableText(key)) return { path: [...path, key.replace(UNSTORABLE_CHARS, '\uFFFD')], message: `key ${UNSTORABLE_MESSAGE}` };
      if (key.length > TICKET_LIMITS.metadataMaxKeyLength) return { path: [...path, key.slice(0, 50)], message: `key is longer than ${TICKET_LIMITS.metadataMaxKeyLength} characters` };
    }
    const problem = metadataProblem(child, depth + 1, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

// Keys are checked in the refinement below (a failing key schema would only say "Invalid key in record"); the meta
// documents the same rule. A "__proto__" key is dropped by zod (it would replace the object's prototype).
const MetadataKeySchema = z.string().meta({ maxLength: TICKET_LIMITS.metadataMaxKeyLength, pattern: STORABLE_PATTERN });

const MetadataSchema = z
  .record(MetadataKeySchema, z.unknown())
  .superRefine((metadata, ctx) => {
    const problem = metadataProblem(metadata, 0, []);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
    if (bytes > TICKET_LIMITS.metadataMaxBytes) {
      ctx.addIssue({ code: 'custom', message: `metadata is ${bytes} bytes as JSON, the limit is ${TICKET_LIMITS.metadataMaxBytes}` });
    }
  })
  .meta({ 'x-max-depth': TICKET_LIMITS.metadataMaxDepth, 'x-max-bytes': TICKET_LIMITS.metadataMaxBytes })
  .default({})
  .describe(
    `Free-form fields carried through unchanged: at most ${TICKET_LIMITS.metadataMaxBytes} bytes as UTF-8 JSON, nested at most ` +
      `${TICKET_LIMITS.metadataMaxDepth} objects/arrays deep, keys up to ${TICKET_LIMITS.metadataMaxKeyLength} characters and not "__proto__", ` +
      'no U+0000 or unpaired surrogate in any key or string',
  );

/**
 * The public ingress event: one support ticket, as any client publishes it to `tickets.ingress` (a bare JSON
 * object, not an envelope) or POSTs it to the ingress app. `source` + `externalId` identify the ticket: the same pair
 * published twice is one case. Documented as JSON Schema in docs/contracts/ticket-event.schema.json. Every string
 * must be storable ({@link isStorableText}) and `metadata` stays within {@link TICKET_LIMITS}, so an accepted ticket
 * can always become a case.
 *
 * @example
 * TicketEventSchema.parse({ externalId: 'ZD-1', source: 'zendesk', tenantId: 'acme-eu', region: 'eu-sovereign',
 *   requester: { email: 'ops@example.com' }, subject: 'Dashboard blank', body: 'Since the toggle…',
 *   receivedAt: '2026-11-21T10:00:00Z' });
 */
export const TicketEventSchema = z
  .object({
    externalId: storableString().min(1).max(200).describe('Id of the ticket in the source system'),
    source: z.string().min(1).max(50).regex(/^[a-z0-9_-]+$/, 'source must be lowercase, e.g. zendesk, email, api').describe('Source system'),
    tenantId: TenantIdSchema.describe('The customer tenant the ticket is about'),
    region: RegionSchema.describe('Data-residency region of the tenant; decides which LLM providers may see the case'),
    requester: z.object({
      email: z.string().email().max(320),
      name: storableString().max(200).optional(),
    }),
    subject: storableString().min(1).max(500),
    body: storableString().min(1).max(20_000),
    priority: PrioritySchema.default('normal'),
    tags: z.array(storableString().min(1).max(100)).max(50).default([]),
    receivedAt: z.string().datetime({ offset: true }),
    metadata: MetadataSchema,
  })
  .strict();
export type TicketEvent = z.infer<typeof TicketEventSchema>;
export type TicketEventInput = z.input<typeof TicketEventSchema>;

const VersionSchema = z.string().regex(/^[a-z-]+:[0-9a-f]{12}$/, 'a rule version such as tenant-registry:0123456789ab');

/**
 * What admission changed on a ticket (libs/tenancy admitTicket), with the version of each rule that did: the tenant
 * registry placed it in another region than it claimed, or credentials were redacted from its text. The ingress sends it
 * beside the ticket in the Kafka header {@link INTAKE_HEADER}; the supervisor records it as control verdicts of the case.
 *
 * @example
 * IntakeFindingsSchema.parse({ redacted: { count: 1, kinds: ['password'], ruleVersion: 'credential-detectors:0123456789ab' } });
 */
export const IntakeFindingsSchema = z.object({
  region: z.object({ claimed: RegionSchema, placed: RegionSchema, ruleVersion: VersionSchema }).strict().optional(),
  redacted: z.object({ count: z.number().int().min(1).max(100_000), kinds: z.array(z.string().regex(/^[a-z_]{1,40}$/)).min(1).max(20), ruleVersion: VersionSchema }).strict().optional(),
}).strict().refine((f) => f.region !== undefined || f.redacted !== undefined, 'findings name a region correction or a redaction');
export type IntakeFindings = z.infer<typeof IntakeFindingsSchema>;

/** The Kafka header of a `tickets.ingress` record that carries its {@link IntakeFindings} as JSON. */
export const INTAKE_HEADER = 'switchboard-intake';
