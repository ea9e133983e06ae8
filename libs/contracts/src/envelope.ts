import { z } from 'zod';

/** Regions are lowercase identifiers such as `us-east-1` or `eu-sovereign`. */
export const RegionSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'region must be lowercase letters, digits and dashes');
export const TenantIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'tenant id must be alphanumeric with _ . -');
export const CaseIdSchema = z.string().regex(/^case_[0-9a-f]{24}$/, 'case id must look like case_<24 hex>');

/**
 * Wraps every internal Kafka message. `caseId` is also the Kafka key, so one case is always handled in order by one
 * consumer. `causationId` is the id of the message that caused this one; `correlationId` ties a whole case together.
 *
 * @example
 * EnvelopeSchema(TriageTaskSchema).parse(JSON.parse(value));
 */
export const EnvelopeBaseSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  caseId: CaseIdSchema,
  tenantId: TenantIdSchema,
  region: RegionSchema,
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  attempt: z.number().int().nonnegative(),
  occurredAt: z.string().datetime({ offset: true }),
});

export function EnvelopeSchema<P extends z.ZodType>(payload: P) {
  return EnvelopeBaseSchema.extend({ payload });
}

export type EnvelopeBase = z.infer<typeof EnvelopeBaseSchema>;
export type Envelope<P = unknown> = EnvelopeBase & { payload: P };
