import { Inject, Injectable } from '@nestjs/common';
import { caseIdFor, TicketEventSchema, type TicketEvent } from '@switchboard/contracts';
import { JsonLogger, SwitchboardError, withLogContext } from '@switchboard/observability';
import { admitTicket, TenantRefusedError, TenantRegistry } from '@switchboard/tenancy';
import type { z } from 'zod';
import { TenantRateLimit } from './tenant-rate-limit';
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
    @Inject(TenantRegistry) private readonly tenants: TenantRegistry,
    @Inject(TenantRateLimit) private readonly allowance: TenantRateLimit,
  ) {}

  /** The public event, as documented in docs/contracts/ticket-event.schema.json. */
  async acceptTicket(body: unknown): Promise<Accepted> {
    const parsed = TicketEventSchema.safeParse(body);
    if (!parsed.success) throw new TicketInvalidError(issuesOf(parsed.error));
    // After parsing (the tenant is known), before the registry and Kafka: a refused ticket costs nothing downstream.
    await this.allowance.take(parsed.data.tenantId);
    return this.publish(parsed.data);
  }

  /** Zendesk's webhook JSON (our documented template), normalised into the public event. */
  async acceptZendesk(body: unknown): Promise<Accepted> {
    const parsed = ZendeskWebhookSchema.safeParse(body);
    if (!parsed.success) throw new TicketInvalidError(issuesOf(parsed.error));
    const t = parsed.data.ticket;
    // The tenant of a Zendesk ticket is the registry's mapping of its organisation or brand; an unmapped organisation
    // is a tenant the registry does not know (refused, or placed in the default region, per the registry's policy).
    const tenantId = this.tenants.zendeskTenant({ organizationExternalId: t.organization.external_id, organizationId: t.organization.id, brandId: t.brand_id }) ?? t.organization.external_id;
    if (!tenantId) throw new TenantRefusedError('UNKNOWN', `Zendesk organisation ${t.organization.id ?? '(none)'} / brand ${t.brand_id ?? '(none)'} is not mapped to a tenant in the tenant registry`);
    const ticket = TicketEventSchema.safeParse({
      externalId: t.id,
      source: 'zendesk',
      tenantId,
      // A Zendesk ticket claims no region: the registry's is the one.
      region: this.tenants.place(tenantId).region,
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

  private async publish(incoming: TicketEvent): Promise<Accepted> {
    // Region from the registry (claims corrected or refused), credentials redacted: before anything is published.
    const admitted = admitTicket(this.tenants, incoming);
    const ticket = admitted.ticket;
    const caseId = caseIdFor(ticket);
    if (admitted.correctedFrom) this.logger.warn('ticket region set by the tenant registry', { tenantId: ticket.tenantId, claimed: admitted.correctedFrom, region: ticket.region });
    if (admitted.redacted.count > 0) this.logger.info('credentials redacted from the ticket', { kinds: admitted.redacted.kinds, count: admitted.redacted.count });
    await withLogContext({ caseId, correlationId: caseId }, async () => {
      await this.publisher.publish(ticket, admitted.findings);
      this.logger.info('ticket accepted', { source: ticket.source, externalId: ticket.externalId, tenantId: ticket.tenantId, region: ticket.region });
    });
    return { caseId, externalId: ticket.externalId, source: ticket.source };
  }
}
