import { Inject, Injectable } from '@nestjs/common';
import { caseIdFor, TicketEventSchema, type TicketEvent } from '@switchboard/contracts';
import { JsonLogger, SwitchboardError, withLogContext } from '@switchboard/observability';
import type { z } from 'zod';
import { INGRESS_CONFIG, type IngressConfig } from '../ingress.config';
import { TicketPublisher } from './ticket-publisher.port';
import { ZendeskWebhookSchema } from './zendesk.schema';

/** A body that does not match its schema; `issues` say which fields and why. */
export class TicketInvalidError extends SwitchboardError {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super('INGRESS.TICKET_INVALID', 'user', `ticket rejected: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`);
  }
}

export interface Accepted {
  caseId: string;
  externalId: string;
  source: string;
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

@Injectable()
export class TicketService {
  private readonly logger = new JsonLogger(TicketService.name);

  constructor(
    private readonly publisher: TicketPublisher,
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
  ) {}

  /** The public event, as documented in docs/contracts/ticket-event.schema.json. */
  async acceptTicket(body: unknown): Promise<Accepted> {
    const parsed = TicketEventSchema.safeParse(body);
    if (!parsed.success) throw new TicketInvalidError(issuesOf(parsed.error));
    return this.publish(parsed.data);
  }

  /** Zendesk's webhook JSON (our documented template), normalised into the public event. */
  async acceptZendesk(body: unknown): Promise<Accepted> {
    const parsed = ZendeskWebhookSchema.safeParse(body);
    if (!parsed.success) throw new TicketInvalidError(issuesOf(parsed.error));
    const t = parsed.data.ticket;
    const tenantId = t.organization.external_id!;
    const ticket = TicketEventSchema.safeParse({
      externalId: t.id,
      source: 'zendesk',
      tenantId,
      region: this.config.INGRESS_TENANT_REGIONS[tenantId] ?? this.config.INGRESS_DEFAULT_REGION,
      requester: { email: t.requester.email, ...(t.requester.name ? { name: t.requester.name } : {}) },
      subject: t.subject,
      body: t.description,
      priority: t.priority ?? 'normal',
      tags: t.tags,
      receivedAt: t.created_at ?? new Date().toISOString(),
      metadata: { ...(t.url ? { zendeskUrl: t.url } : {}), ...(t.organization.name ? { organization: t.organization.name } : {}) },
    });
    if (!ticket.success) throw new TicketInvalidError(issuesOf(ticket.error));
    return this.publish(ticket.data);
  }

  private async publish(ticket: TicketEvent): Promise<Accepted> {
    const caseId = caseIdFor(ticket);
    await withLogContext({ caseId, correlationId: caseId }, async () => {
      await this.publisher.publish(ticket);
      this.logger.info('ticket accepted', { source: ticket.source, externalId: ticket.externalId, tenantId: ticket.tenantId, region: ticket.region });
    });
    return { caseId, externalId: ticket.externalId, source: ticket.source };
  }
}
