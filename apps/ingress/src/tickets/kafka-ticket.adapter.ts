import { Injectable } from '@nestjs/common';
import { KafkaBus } from '@switchboard/bus';
import { INTAKE_HEADER, type IntakeFindings, type TicketEvent } from '@switchboard/contracts';
import { TicketPublisher } from './ticket-publisher.port';

@Injectable()
export class KafkaTicketAdapter extends TicketPublisher {
  constructor(private readonly bus: KafkaBus) {
    super();
  }

  async publish(ticket: TicketEvent, findings?: IntakeFindings | null): Promise<void> {
    await this.bus.publishTicket(ticket, findings ? { headers: { [INTAKE_HEADER]: JSON.stringify(findings) } } : {});
  }
}
