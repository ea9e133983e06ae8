import { createHash } from 'node:crypto';
import { uuidFromName } from '@switchboard/bus';
import { TicketSignalSchema, envelopeFor, type TicketSignal } from '@switchboard/contracts';
import { JsonLogger, SwitchboardError, withLogContext } from '@switchboard/observability';
import type { DeliveryRepository } from '../delivery/delivery.repository';
import { SignalPublisher } from './signal-publisher.port';
import { ZendeskSignalSchema } from './zendesk-signal.schema';

/** The webhook body does not match the template; `issues` say which fields and why. */
export class SignalInvalidError extends SwitchboardError {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super('HELPDESK.SIGNAL_INVALID', 'user', `signal rejected: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`);
  }
}

/** No case is known for the ticket the webhook is about (or it belongs to another tenant): nothing is published. */
export class UnknownTicketError extends SwitchboardError {
  constructor(message: string) {
    super('HELPDESK.UNKNOWN_TICKET', 'user', message);
  }
}

export interface AcceptedSignal {
  caseId: string;
  signal: TicketSignal['signal'];
  eventId: string;
}

/**
 * Turns a verified Zendesk webhook (reopen, customer reply, satisfaction rating) into a ticket signal on
 * `tickets.signals` for the case of that ticket. The envelope id is derived from the event, so Zendesk retrying a
 * webhook is one signal on the case.
 */
export class SignalService {
  private readonly logger = new JsonLogger(SignalService.name);

  constructor(private readonly repo: DeliveryRepository, private readonly publisher: SignalPublisher, private readonly clock: () => Date = () => new Date()) {}

  async acceptZendesk(body: unknown): Promise<AcceptedSignal> {
    const parsed = ZendeskSignalSchema.safeParse(body);
    if (!parsed.success) throw new SignalInvalidError(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const b = parsed.data;
    const known = await this.repo.caseOfHelpdeskTicket('zendesk', b.ticket.id);
    if (!known) throw new UnknownTicketError(`no Switchboard case for Zendesk ticket ${b.ticket.id}`);
    const org = b.ticket.organization?.external_id;
    if (org && org !== known.tenantId) throw new UnknownTicketError(`Zendesk ticket ${b.ticket.id} belongs to organization ${org}, not to the case's tenant`);
    const updatedAt = b.ticket.updated_at ? Date.parse(b.ticket.updated_at) : Number.NaN;
    const at = new Date(Number.isNaN(updatedAt) ? this.clock().getTime() : updatedAt).toISOString();
    // Zendesk retries a webhook with the same body: the same event always gets the same id.
    const eventId = `zd_${createHash('sha256').update(JSON.stringify([b.event, b.ticket.id, b.ticket.updated_at ?? '', b.comment?.id ?? '', b.comment?.body ?? '', b.satisfaction?.score ?? ''])).digest('hex').slice(0, 32)}`;
    const base = { eventId, ticket: known.ticket, at };
    const signal = TicketSignalSchema.parse(
      b.event === 'reopened'
        ? { signal: 'reopened', ...base, ...(b.ticket.previous_status ? { previousStatus: b.ticket.previous_status } : {}) }
        : b.event === 'customer_replied'
          ? { signal: 'customer_replied', ...base, comment: { body: b.comment!.body!, ...(b.comment?.author ? { author: b.comment.author } : {}) } }
          : { signal: 'satisfaction_rated', ...base, score: /^good/i.test(b.satisfaction!.score!) ? 'good' : 'bad', ...(b.satisfaction?.comment ? { comment: b.satisfaction.comment } : {}) },
    );
    await withLogContext({ caseId: known.caseId, correlationId: known.correlationId }, async () => {
      await this.publisher.publish(envelopeFor('tickets.signals', signal, {
        id: uuidFromName(`helpdesk.signal|${eventId}`), caseId: known.caseId, tenantId: known.tenantId, region: known.region,
        correlationId: known.correlationId, causationId: null, occurredAt: this.clock().toISOString(),
      }));
      this.logger.info('ticket signal accepted', { signal: signal.signal, zendeskTicketId: b.ticket.id, eventId });
    });
    return { caseId: known.caseId, signal: signal.signal, eventId };
  }
}
