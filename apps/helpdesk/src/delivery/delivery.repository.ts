import type { Pool } from 'pg';
import type { DeliveryKind, DeliveryStatus, DeliveryTarget, Envelope, TicketEvent, TicketRef } from '@switchboard/contracts';
import { inTransaction, Outbox } from '@switchboard/store';
import type { DeliveryRequest } from '../adapters/helpdesk.port';

/** Envelope metadata of a case, kept with its deliveries and tickets. */
export interface CaseMeta {
  caseId: string;
  tenantId: string;
  region: string;
  correlationId: string;
}

export interface StoredDelivery {
  deliveryId: string;
  caseId: string;
  kind: DeliveryKind;
  run: number;
  target: DeliveryTarget;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  request: DeliveryRequest;
  meta: CaseMeta;
  helpdeskTicketId: string | null;
  ticketUrl: string | null;
  recovered: boolean;
  reason: { code: string; message: string } | null;
}

export interface KnownTicket extends CaseMeta {
  ticket: TicketRef;
  helpdeskTicketId: string | null;
}

const DELIVERY_COLUMNS = `delivery_id AS "deliveryId", case_id AS "caseId", kind, run, target, status, attempts, request, meta,
  helpdesk_ticket_id AS "helpdeskTicketId", ticket_url AS "ticketUrl", recovered, reason`;
const TICKET_COLUMNS = `case_id AS "caseId", tenant_id AS "tenantId", region, correlation_id AS "correlationId",
  json_build_object('source', source, 'externalId', external_id) AS ticket, helpdesk_ticket_id AS "helpdeskTicketId"`;

/** Postgres persistence of the connector (schema `helpdesk`): the only place its SQL is written. */
export class DeliveryRepository {
  constructor(private readonly pool: Pool) {}

  /** Remembers a ticket from `tickets.ingress` (idempotent), so signals about it can be matched to its case. */
  async recordTicket(envelope: Envelope<TicketEvent>): Promise<void> {
    const t = envelope.payload;
    await this.pool.query(
      `INSERT INTO helpdesk.tickets (case_id, source, external_id, tenant_id, region, correlation_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_id) DO NOTHING`,
      [envelope.caseId, t.source, t.externalId, t.tenantId, t.region, envelope.correlationId, t.receivedAt],
    );
  }

  async ticketOfCase(caseId: string): Promise<KnownTicket | undefined> {
    const { rows } = await this.pool.query<KnownTicket>(`SELECT ${TICKET_COLUMNS} FROM helpdesk.tickets WHERE case_id = $1`, [caseId]);
    return rows[0];
  }

  /** The case of a helpdesk ticket: one that came from that helpdesk, or one a delivery resolved to that ticket. */
  async caseOfHelpdeskTicket(source: string, id: string): Promise<KnownTicket | undefined> {
    const { rows } = await this.pool.query<KnownTicket>(
      `SELECT ${TICKET_COLUMNS} FROM helpdesk.tickets
        WHERE (source = $1 AND external_id = $2) OR helpdesk_ticket_id = $2
        ORDER BY (source = $1 AND external_id = $2) DESC, received_at DESC LIMIT 1`,
      [source, id],
    );
    return rows[0];
  }

  /**
   * Registers an attempt of a delivery before it goes out: inserts the delivery (request and metadata kept from the
   * first time) or counts one more attempt. Returns the stored row; a `delivered` row is returned unchanged.
   */
  async startAttempt(d: { deliveryId: string; caseId: string; kind: DeliveryKind; run: number; target: DeliveryTarget; request: DeliveryRequest; meta: CaseMeta }): Promise<StoredDelivery> {
    const { rows } = await this.pool.query<StoredDelivery>(
      `INSERT INTO helpdesk.deliveries (delivery_id, case_id, kind, run, target, status, attempts, request, meta)
       VALUES ($1, $2, $3, $4, $5, 'pending', 1, $6, $7)
       ON CONFLICT (delivery_id) DO UPDATE
         SET attempts = helpdesk.deliveries.attempts + CASE WHEN helpdesk.deliveries.status = 'delivered' THEN 0 ELSE 1 END,
             updated_at = now()
       RETURNING ${DELIVERY_COLUMNS}`,
      [d.deliveryId, d.caseId, d.kind, d.run, d.target, d.request, d.meta],
    );
    return rows[0]!;
  }

  async find(deliveryId: string): Promise<StoredDelivery | undefined> {
    const { rows } = await this.pool.query<StoredDelivery>(`SELECT ${DELIVERY_COLUMNS} FROM helpdesk.deliveries WHERE delivery_id = $1`, [deliveryId]);
    return rows[0];
  }

  /**
   * Records the outcome of a delivery and, in the same transaction, the status message for the supervisor (outbox):
   * the case learns of every outcome exactly when it is recorded here.
   */
  async finish(d: StoredDelivery, status: DeliveryStatus, envelope: Envelope<DeliveryStatus>): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      await tx.query(
        `UPDATE helpdesk.deliveries SET status = $2, helpdesk_ticket_id = COALESCE($3, helpdesk_ticket_id), ticket_url = COALESCE($4, ticket_url),
                recovered = recovered OR $5, reason = $6, updated_at = now()
          WHERE delivery_id = $1`,
        [d.deliveryId, status.status, status.helpdeskTicketId ?? null, status.ticketUrl ?? null, status.recovered, status.reason ?? null],
      );
      if (status.helpdeskTicketId) {
        // Also learns tickets whose ingress message this connector never saw (started later, another group).
        const t = d.request.event.ticket;
        await tx.query(
          `INSERT INTO helpdesk.tickets (case_id, source, external_id, tenant_id, region, correlation_id, helpdesk_ticket_id, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT (case_id) DO UPDATE SET helpdesk_ticket_id = EXCLUDED.helpdesk_ticket_id
            WHERE helpdesk.tickets.helpdesk_ticket_id IS DISTINCT FROM EXCLUDED.helpdesk_ticket_id`,
          [d.caseId, t.source, t.externalId, d.meta.tenantId, d.meta.region, d.meta.correlationId, status.helpdeskTicketId],
        );
      }
      await Outbox.add(tx, [{ topic: 'tickets.deliveries', key: d.caseId, value: envelope }]);
    });
  }

  /** Only a status message, for a failure that has no stored delivery (a message that names no ticket). */
  async report(caseId: string, envelope: Envelope<DeliveryStatus>): Promise<void> {
    await inTransaction(this.pool, (tx) => Outbox.add(tx, [{ topic: 'tickets.deliveries', key: caseId, value: envelope }]));
  }
}
