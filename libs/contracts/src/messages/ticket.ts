import { z } from 'zod';
import { RegionSchema, TenantIdSchema } from '../envelope';

/** Ticket priority, as support tools use it. */
export const PrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type Priority = z.infer<typeof PrioritySchema>;

/**
 * The public ingress event: one support ticket, as any client publishes it to `tickets.ingress` (a bare JSON
 * object, not an envelope) or POSTs it to the ingress app. `source` + `externalId` identify the ticket: the same pair
 * published twice is one case. Documented as JSON Schema in docs/contracts/ticket-event.schema.json.
 *
 * @example
 * TicketEventSchema.parse({ externalId: 'ZD-1', source: 'zendesk', tenantId: 'acme-eu', region: 'eu-sovereign',
 *   requester: { email: 'ops@example.com' }, subject: 'Dashboard blank', body: 'Since the toggle…',
 *   receivedAt: '2026-11-21T10:00:00Z' });
 */
export const TicketEventSchema = z
  .object({
    externalId: z.string().min(1).max(200).describe('Id of the ticket in the source system'),
    source: z.string().min(1).max(50).regex(/^[a-z0-9_-]+$/, 'source must be lowercase, e.g. zendesk, email, api').describe('Source system'),
    tenantId: TenantIdSchema.describe('The customer tenant the ticket is about'),
    region: RegionSchema.describe('Data-residency region of the tenant; decides which LLM providers may see the case'),
    requester: z.object({
      email: z.string().email().max(320),
      name: z.string().max(200).optional(),
    }),
    subject: z.string().min(1).max(500),
    body: z.string().min(1).max(20_000),
    priority: PrioritySchema.default('normal'),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    receivedAt: z.string().datetime({ offset: true }),
    metadata: z.record(z.string(), z.unknown()).default({}).describe('Free-form fields carried through unchanged'),
  })
  .strict();
export type TicketEvent = z.infer<typeof TicketEventSchema>;
export type TicketEventInput = z.input<typeof TicketEventSchema>;
