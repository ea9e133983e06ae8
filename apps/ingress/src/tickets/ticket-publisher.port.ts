import type { IntakeFindings, TicketEvent } from '@switchboard/contracts';

/** Where accepted tickets go: `tickets.ingress` in production. */
export abstract class TicketPublisher {
  /** `findings`: what admission changed on the ticket, sent beside it for the case's verdict ledger. */
  abstract publish(ticket: TicketEvent, findings?: IntakeFindings | null): Promise<void>;
}
