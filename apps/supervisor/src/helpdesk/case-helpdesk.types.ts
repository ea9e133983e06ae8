import type { DeliveryKind, DeliveryStatus, DeliveryTarget, TicketSignal } from '@switchboard/contracts';

/** The last known state of one delivery (reply, note or escalation of one run) on the case. */
export interface DeliveryRecord {
  kind: DeliveryKind;
  run: number;
  target: DeliveryTarget;
  status: 'delivered' | 'failed';
  attempts: number;
  at: string;
  recovered?: boolean;
  reason?: { code: string; message: string };
}

/**
 * What the helpdesk told the case: where the ticket is, each delivery's state, and the human signals (reopens,
 * customer replies, satisfaction). Part of the case core; `undelivered` and `reopens` feed the KPIs.
 */
export interface CaseHelpdesk {
  ticketUrl?: string;
  helpdeskTicketId?: string;
  deliveries: Record<string, DeliveryRecord>;
  /** Deliveries whose last state is `failed` (the console's "reply not delivered"). */
  undelivered: number;
  /** Reopens of the ticket after the case was RESOLVED: each counts against the verified resolution. */
  reopens: number;
  customerReplies: number;
  lastCustomerReply?: { at: string; excerpt: string; routedTo: string };
  satisfaction?: { score: 'good' | 'bad'; at: string; comment?: string };
}

export type HelpdeskCaseEvent =
  | { kind: 'helpdesk_delivery'; messageId: string; delivery: DeliveryStatus }
  | { kind: 'helpdesk_signal'; messageId: string; signal: TicketSignal };
