import type { Envelope, TicketSignal } from '@switchboard/contracts';

/** Where accepted ticket signals go: `tickets.signals` in production. */
export abstract class SignalPublisher {
  abstract publish(envelope: Envelope<TicketSignal>): Promise<void>;
}
