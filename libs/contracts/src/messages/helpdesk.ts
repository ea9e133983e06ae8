import { z } from 'zod';
import { CaseIdSchema, RegionSchema, TenantIdSchema } from '../envelope';
import { ActorSchema, RolloutModeSchema, TicketRefSchema } from './common';
import { HandoffPacketSchema } from './supervisor';

/**
 * What the connector delivers: the verified reply, a shadow/assist note, or an escalation (routing + handoff note).
 *
 * @example
 * DeliveryKindSchema.parse('reply');
 */
export const DeliveryKindSchema = z.enum(['reply', 'note', 'escalation']);
export type DeliveryKind = z.infer<typeof DeliveryKindSchema>;

/**
 * Where it went: Zendesk's REST API or the generic signed webhook.
 *
 * @example
 * DeliveryTargetSchema.parse('webhook');
 */
export const DeliveryTargetSchema = z.enum(['zendesk', 'webhook']);
export type DeliveryTarget = z.infer<typeof DeliveryTargetSchema>;

/**
 * One delivery per case, run and kind: `dlv_` + 24 hex of a hash of the three (see docs/helpdesk.md).
 *
 * @example
 * DeliveryIdSchema.safeParse('dlv_0123456789abcdef01234567').success; // true
 */
export const DeliveryIdSchema = z.string().regex(/^dlv_[0-9a-f]{24}$/, 'delivery id must look like dlv_<24 hex>');

/**
 * The result of a delivery, on `tickets.deliveries`, for the supervisor to record on the case (a delivery field and a
 * trace entry, not a status change). `failed` means failed for good: the message was also dead-lettered with `reason`.
 *
 * @example
 * DeliveryStatusSchema.parse({ deliveryId: 'dlv_…', kind: 'reply', run: 1, target: 'zendesk', status: 'delivered', attempts: 1,
 *   ticketUrl: 'https://acme.zendesk.com/agent/tickets/4711', at: '2026-11-21T10:00:00Z' });
 */
export const DeliveryStatusSchema = z.object({
  deliveryId: DeliveryIdSchema,
  kind: DeliveryKindSchema,
  run: z.number().int().positive(),
  target: DeliveryTargetSchema,
  status: z.enum(['delivered', 'failed']),
  /** HTTP attempts made so far (all deliveries of the message, across retries and restarts). */
  attempts: z.number().int().nonnegative(),
  /** Where a human opens the ticket (Zendesk agent UI), when known. */
  ticketUrl: z.string().url().max(2000).optional(),
  /** The ticket's id in the helpdesk (for Zendesk, the numeric ticket id). */
  helpdeskTicketId: z.string().max(200).optional(),
  /** True when the update was found already on the ticket (its marker) after a crash or a redelivery: not sent twice. */
  recovered: z.boolean().default(false),
  reason: z.object({ code: z.string().min(1).max(200), message: z.string().max(2000) }).optional(),
  at: z.string().datetime({ offset: true }),
});
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

const signalBase = {
  /** Id of the helpdesk event (e.g. the Zendesk comment or audit id); the same event delivered twice is one signal. */
  eventId: z.string().min(1).max(200),
  ticket: TicketRefSchema,
  at: z.string().datetime({ offset: true }),
};

/**
 * Something a human did on the ticket, on `tickets.signals`: the helpdesk connector turns signed helpdesk webhooks into
 * these; the supervisor records them on the case. A reopen after RESOLVED counts against the intent's verified
 * resolution rate; a customer reply on an escalated ticket goes to its assignee, never back to the agents.
 *
 * @example
 * TicketSignalSchema.parse({ signal: 'reopened', eventId: 'zd-audit-9', ticket: { source: 'zendesk', externalId: '4711' },
 *   at: '2026-11-22T08:00:00Z', previousStatus: 'solved' });
 */
export const TicketSignalSchema = z.discriminatedUnion('signal', [
  z.object({ signal: z.literal('reopened'), ...signalBase, previousStatus: z.string().max(50).optional() }),
  z.object({
    signal: z.literal('customer_replied'), ...signalBase,
    comment: z.object({ body: z.string().min(1).max(8000), author: z.string().max(320).optional() }),
  }),
  z.object({ signal: z.literal('satisfaction_rated'), ...signalBase, score: z.enum(['good', 'bad']), comment: z.string().max(4000).optional() }),
]);
export type TicketSignal = z.infer<typeof TicketSignalSchema>;

/**
 * Commands to the helpdesk connector, on `helpdesk.commands`: today only the console's re-send of a delivery that
 * failed. Re-sending cannot post twice: the connector checks the ticket for the delivery's marker first.
 *
 * @example
 * HelpdeskCommandSchema.parse({ command: 'resend', deliveryId: 'dlv_…', by: { userId: 'ana', role: 'supervisor' } });
 */
export const HelpdeskCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('resend'), deliveryId: DeliveryIdSchema, by: ActorSchema }),
]);
export type HelpdeskCommand = z.infer<typeof HelpdeskCommandSchema>;

const ProposedActionSchema = z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()) });

const webhookBase = {
  id: DeliveryIdSchema.describe('The delivery id: the same for every retry of this delivery, so a receiver can drop repeats'),
  occurredAt: z.string().datetime({ offset: true }).describe('When the connector first tried this delivery'),
  caseId: CaseIdSchema,
  tenantId: TenantIdSchema,
  region: RegionSchema,
  run: z.number().int().positive().describe('Case run (1, +1 per human re-run); at most one reply per run'),
  ticket: TicketRefSchema.describe('The ticket in its source system'),
};

/**
 * The body of the generic signed webhook (docs/helpdesk.md) that carries replies, notes and escalations to helpdesks
 * other than Zendesk. Headers: `X-Switchboard-Signature` = base64(HMAC-SHA256(secret, timestamp + body)) and
 * `X-Switchboard-Signature-Timestamp`. JSON Schema: docs/contracts/helpdesk-webhook-event.schema.json.
 *
 * @example
 * HelpdeskWebhookEventSchema.parse(JSON.parse(rawBody)).type; // 'case.reply'
 */
export const HelpdeskWebhookEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('case.reply'), ...webhookBase,
    reply: z.object({
      to: z.string(), subject: z.string(), body: z.string().min(1),
      status: z.string().describe('The ticket status the reply should leave the ticket in (configured per tenant)'),
      evidenceCount: z.number().int().nonnegative().describe('Verifier checks that proved the resolution'),
    }),
  }),
  z.object({
    type: z.literal('case.internal_note'), ...webhookBase,
    note: z.object({ mode: RolloutModeSchema, body: z.string(), proposedActions: z.array(ProposedActionSchema) }),
  }),
  z.object({
    type: z.literal('case.escalation'), ...webhookBase,
    escalation: z.object({
      status: z.enum(['ESCALATED', 'FAILED']),
      mode: RolloutModeSchema,
      intent: z.string().optional(),
      reason: z.string(),
      route: z.object({ group: z.string().optional(), tags: z.array(z.string()), priority: z.enum(['low', 'normal', 'high', 'urgent']).optional() })
        .describe('Where the routing table sends it'),
      handoff: HandoffPacketSchema.optional(),
      note: z.string().describe('The handoff packet rendered for a human (the private comment Zendesk gets)'),
    }),
  }),
]);
export type HelpdeskWebhookEvent = z.infer<typeof HelpdeskWebhookEventSchema>;
