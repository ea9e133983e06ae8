import type { KafkaBus } from '@switchboard/bus';
import type { Envelope, TicketSignal } from '@switchboard/contracts';
import { SignalPublisher } from './signal-publisher.port';

export class KafkaSignalAdapter extends SignalPublisher {
  constructor(private readonly bus: KafkaBus) {
    super();
  }

  async publish(envelope: Envelope<TicketSignal>): Promise<void> {
    await this.bus.publish('tickets.signals', envelope);
  }
}
