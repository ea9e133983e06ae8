import { z } from 'zod';
import { EnvelopeSchema } from './envelope';
import { DeadLetterSchema } from './messages/dead-letter';
import { HelpdeskWebhookEventSchema, TicketSignalSchema } from './messages/helpdesk';
import { SupervisorCommandSchema } from './messages/supervisor';
import { TicketEventSchema } from './messages/ticket';

/**
 * JSON Schemas of the public contracts (what an outside client publishes or reads), keyed by file name under
 * docs/contracts/. Generated from the zod schemas with `z.toJSONSchema`.
 *
 * @example
 * contractJsonSchemas()['ticket-event.schema.json'].required; // ['externalId', 'source', …]
 */
export function contractJsonSchemas(): Record<string, Record<string, unknown>> {
  const doc = (id: string, title: string, schema: z.ZodType) => ({
    $id: `https://switchboard.dev/schemas/${id}`,
    title,
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
  });
  return {
    'ticket-event.schema.json': doc('ticket-event.schema.json', 'Switchboard ticket event (tickets.ingress)', TicketEventSchema),
    'supervisor-command.schema.json': doc('supervisor-command.schema.json', 'Supervisor command envelope (supervisor.commands)', EnvelopeSchema(SupervisorCommandSchema)),
    'dead-letter.schema.json': doc('dead-letter.schema.json', 'Dead-letter entry (<topic>.dlq)', DeadLetterSchema),
    'helpdesk-webhook-event.schema.json': doc('helpdesk-webhook-event.schema.json', 'Helpdesk webhook egress body (signed POST to HELPDESK_WEBHOOK_URL)', HelpdeskWebhookEventSchema),
    'ticket-signal.schema.json': doc('ticket-signal.schema.json', 'Ticket signal envelope (tickets.signals)', EnvelopeSchema(TicketSignalSchema)),
  };
}
