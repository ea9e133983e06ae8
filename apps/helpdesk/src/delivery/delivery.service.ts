import { uuidFromName } from '@switchboard/bus';
import {
  HelpdeskWebhookEventSchema, envelopeFor, type CaseOutcome, type CustomerReply, type DeliveryKind, type DeliveryStatus, type Envelope,
  type HelpdeskCommand, type HelpdeskWebhookEvent, type InternalNote, type TicketEvent, type TicketRef,
} from '@switchboard/contracts';
import { describeError, JsonLogger, SwitchboardError } from '@switchboard/observability';
import { DeliveryUnaddressableError } from '../adapters/helpdesk.errors';
import type { DeliveryRequest, HelpdeskPort, TicketUpdate } from '../adapters/helpdesk.port';
import { replyStatusFor, routeFor, type Routing } from '../routing/routing.schema';
import { deliveryIdFor } from './delivery-id';
import type { CaseMeta, DeliveryRepository, StoredDelivery } from './delivery.repository';
import { renderHandoff, renderNote } from './render';

/** What became of one message: sent now, found on the ticket already, delivered before, or nothing to deliver. */
export type DeliveryOutcome = 'delivered' | 'recovered' | 'already_delivered' | 'skipped';

/** A re-send names a delivery this connector never stored. */
export class UnknownDeliveryError extends SwitchboardError {
  constructor(deliveryId: string) {
    super('HELPDESK.UNKNOWN_DELIVERY', 'user', `no delivery ${deliveryId} to re-send`);
  }
}

export interface DeliveryServiceOptions {
  consoleUrl?: string | undefined;
  clock?: () => Date;
}

interface Job {
  deliveryId: string;
  kind: DeliveryKind;
  run: number;
  request: DeliveryRequest;
  meta: CaseMeta;
}

/**
 * Turns the case's replies, notes and outcomes into helpdesk updates, each at most once per case run and kind:
 * the attempt is recorded before the call, the helpdesk adapter finds its own earlier update by marker before sending,
 * and the result is recorded with its status message for the supervisor in one transaction. A message that fails for
 * good (a `user` error, or the last bus attempt) is reported as `failed` before the bus dead-letters it.
 */
export class DeliveryService {
  private readonly logger = new JsonLogger(DeliveryService.name);
  private readonly clock: () => Date;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly port: HelpdeskPort,
    private readonly routing: Routing,
    private readonly options: DeliveryServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  onTicket(envelope: Envelope<TicketEvent>): Promise<void> {
    return this.repo.recordTicket(envelope);
  }

  /** A verified reply: one public comment and the configured status. */
  async onReply(envelope: Envelope<CustomerReply>, final: boolean): Promise<DeliveryOutcome> {
    const r = envelope.payload;
    const run = r.run ?? 1;
    const ticket = { source: r.source, externalId: r.externalId };
    const status = replyStatusFor(this.routing, envelope.tenantId);
    return this.deliver(envelope, 'reply', run, ticket, final, (base) => ({
      event: { ...base, type: 'case.reply', reply: { to: r.to, subject: r.subject, body: r.body, status, evidenceCount: r.evidenceCount } },
      update: { comment: { body: r.body, public: true }, status, tags: this.routing.reply.tags },
    }));
  }

  /** A shadow or assist note: one private comment. */
  async onNote(envelope: Envelope<InternalNote>, final: boolean): Promise<DeliveryOutcome> {
    const n = envelope.payload;
    const run = n.run ?? 1;
    return this.deliver(envelope, 'note', run, n.ticket, final, (base) => ({
      event: { ...base, type: 'case.internal_note', note: { mode: n.mode, body: n.body, proposedActions: n.proposedActions } },
      update: { comment: { body: renderNote(n, { caseId: envelope.caseId, run, consoleUrl: this.options.consoleUrl }), public: false }, tags: this.routing.notes.tags },
    }));
  }

  /**
   * An escalation (or a failed case): group, tags and priority from the routing table, and the handoff packet as a
   * private comment. Assist cases already got their note, so they are only routed; shadow cases are left alone
   * unless the table says otherwise; resolved and closed cases need nothing here (the reply carries the status).
   */
  async onOutcome(envelope: Envelope<CaseOutcome>, final: boolean): Promise<DeliveryOutcome> {
    const o = envelope.payload;
    if (o.status !== 'ESCALATED' && o.status !== 'FAILED') return 'skipped';
    if (o.mode === 'shadow' && !this.routing.escalation.routeShadow) return 'skipped';
    const run = o.run ?? 1;
    const reason = o.handoff?.breaker ?? 'agent_decision';
    const route = routeFor(this.routing, { intent: o.intent, tenant: envelope.tenantId, reason, mode: o.mode });
    const note = renderHandoff(o, { caseId: envelope.caseId, run, consoleUrl: this.options.consoleUrl });
    const withComment = o.mode === 'autonomous' || o.status === 'FAILED';
    return this.deliver(envelope, 'escalation', run, o.ticket, final, (base) => ({
      event: {
        ...base, type: 'case.escalation',
        escalation: {
          status: o.status as 'ESCALATED' | 'FAILED', mode: o.mode, ...(o.intent ? { intent: o.intent } : {}), reason: o.reason ?? o.summary,
          route: { ...(route.group ? { group: route.group } : {}), tags: route.tags, ...(route.priority ? { priority: route.priority } : {}) },
          ...(o.handoff ? { handoff: o.handoff } : {}), note,
        },
      },
      update: {
        ...(withComment ? { comment: { body: note, public: false } } : {}),
        ...(route.group ? { group: route.group } : {}), ...(route.priority ? { priority: route.priority } : {}), tags: route.tags,
      },
    }));
  }

  /** The console's re-send of a delivery that failed: the stored request goes out again (still at most once). */
  async onCommand(envelope: Envelope<HelpdeskCommand>, final: boolean): Promise<DeliveryOutcome> {
    const stored = await this.repo.find(envelope.payload.deliveryId);
    if (!stored) throw new UnknownDeliveryError(envelope.payload.deliveryId);
    this.logger.info('re-sending a delivery', { deliveryId: stored.deliveryId, by: envelope.payload.by.userId, lastStatus: stored.status });
    return this.attempt({ deliveryId: stored.deliveryId, kind: stored.kind, run: stored.run, request: stored.request, meta: stored.meta }, envelope.id, final);
  }

  private async deliver(
    envelope: Envelope<unknown>, kind: DeliveryKind, run: number, ref: TicketRef | undefined, final: boolean,
    build: (base: Omit<HelpdeskWebhookEvent, 'type' | 'reply' | 'note' | 'escalation'>) => { event: unknown; update: TicketUpdate },
  ): Promise<DeliveryOutcome> {
    const meta: CaseMeta = { caseId: envelope.caseId, tenantId: envelope.tenantId, region: envelope.region, correlationId: envelope.correlationId };
    const deliveryId = deliveryIdFor(envelope.caseId, run, kind);
    const ticket = ref ?? (await this.repo.ticketOfCase(envelope.caseId))?.ticket;
    if (!ticket) {
      const error = new DeliveryUnaddressableError(`${envelope.caseId} has no ticket reference and its ticket was never seen on tickets.ingress`);
      await this.report(meta, { deliveryId, kind, run, attempts: 0, status: 'failed', reason: { code: error.code, message: error.message } }, envelope.id);
      throw error;
    }
    const base = { id: deliveryId, occurredAt: this.clock().toISOString(), caseId: meta.caseId, tenantId: meta.tenantId, region: meta.region, run, ticket };
    const built = build(base);
    // Built here from our own data: a schema failure is a bug, caught before anything goes out.
    const event = HelpdeskWebhookEventSchema.parse(built.event);
    return this.attempt({ deliveryId, kind, run, request: { deliveryId, kind, event, update: built.update }, meta }, envelope.id, final);
  }

  private async attempt(job: Job, causationId: string, final: boolean): Promise<DeliveryOutcome> {
    const stored = await this.repo.startAttempt({ ...job, caseId: job.meta.caseId, target: this.port.target });
    if (stored.status === 'delivered') {
      this.logger.info('delivered before; nothing to do', { deliveryId: stored.deliveryId, kind: stored.kind });
      return 'already_delivered';
    }
    try {
      // The stored request (from the first attempt) is what goes out, so every retry sends the same thing.
      const receipt = await this.port.deliver(stored.request);
      await this.finish(stored, causationId, {
        status: 'delivered', recovered: receipt.alreadyThere,
        ...(receipt.helpdeskTicketId ? { helpdeskTicketId: receipt.helpdeskTicketId } : {}), ...(receipt.ticketUrl ? { ticketUrl: receipt.ticketUrl } : {}),
      });
      this.logger.info(receipt.alreadyThere ? 'delivery found on the ticket already; not sent again' : 'delivered', {
        deliveryId: stored.deliveryId, kind: stored.kind, target: this.port.target, attempts: stored.attempts, helpdeskTicketId: receipt.helpdeskTicketId,
      });
      return receipt.alreadyThere ? 'recovered' : 'delivered';
    } catch (error) {
      const info = describeError(error);
      if (info.category === 'user' || final) {
        const reason = { code: info.code, message: (final && info.category !== 'user' ? `gave up after ${stored.attempts} attempts: ${info.message}` : info.message).slice(0, 2000) };
        await this.finish(stored, causationId, { status: 'failed', recovered: false, reason });
        this.logger.error('delivery failed for good; the case shows it as not delivered', { deliveryId: stored.deliveryId, kind: stored.kind, reason });
      }
      throw error;
    }
  }

  private async finish(stored: StoredDelivery, causationId: string, result: Pick<DeliveryStatus, 'status' | 'recovered' | 'helpdeskTicketId' | 'ticketUrl' | 'reason'>): Promise<void> {
    const status: DeliveryStatus = {
      deliveryId: stored.deliveryId, kind: stored.kind, run: stored.run, target: stored.target, attempts: stored.attempts, at: this.clock().toISOString(), ...result,
    };
    await this.repo.finish(stored, status, this.envelope(stored.meta, status, causationId));
  }

  /** A failure with no stored delivery (nothing to address): only the status message. */
  private async report(meta: CaseMeta, s: Omit<DeliveryStatus, 'target' | 'at' | 'recovered'>, causationId: string): Promise<void> {
    const status: DeliveryStatus = { ...s, target: this.port.target, recovered: false, at: this.clock().toISOString() };
    await this.repo.report(meta.caseId, this.envelope(meta, status, causationId));
  }

  private envelope(meta: CaseMeta, status: DeliveryStatus, causationId: string): Envelope<DeliveryStatus> {
    return envelopeFor('tickets.deliveries', status, {
      // One message per outcome of an attempt: a redelivered handler reports the same outcome under the same id.
      id: uuidFromName(`helpdesk.delivery|${status.deliveryId}|${status.status}|${status.attempts}`),
      caseId: meta.caseId, tenantId: meta.tenantId, region: meta.region, correlationId: meta.correlationId, causationId, occurredAt: status.at,
    });
  }
}
