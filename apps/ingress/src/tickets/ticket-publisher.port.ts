import type { TicketEvent } from '@switchboard/contracts';

/** Where accepted tickets go: `tickets.ingress` in production. */
export abstract class TicketPublisher {
  abstract publish(ticket: TicketEvent): Promise<void>;
}
