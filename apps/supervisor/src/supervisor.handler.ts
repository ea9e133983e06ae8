import type { IncomingMessage } from '@switchboard/bus';
import { INTAKE_HEADER, type AgentResult, type DeliveryStatus, type Envelope, type SupervisorCommand, type TicketEvent, type TicketSignal } from '@switchboard/contracts';
import { describeError, isDependencyUnavailable, JsonLogger } from '@switchboard/observability';
import { TenantRefusedError } from '@switchboard/tenancy';
import type { CaseService } from './case/case.service';
import type { CommandSignatures } from './commands/command-signature';
import { intakeFromHeader } from './intake/ticket-intake';

export const SUPERVISOR_TOPICS = ['tickets.ingress', 'agent.results', 'supervisor.commands', 'tickets.deliveries', 'tickets.signals'] as const;
type SupervisorTopic = (typeof SUPERVISOR_TOPICS)[number];

/**
 * The Kafka edge: routes a validated message to the case service. When a message fails for good (a `user` error,
 * or the last bus attempt) its case is marked FAILED with the cause before the bus dead-letters the message, so an
 * operator sees it on the case and in the queue.
 */
export class SupervisorHandler {
  private readonly logger = new JsonLogger(SupervisorHandler.name);

  constructor(private readonly cases: CaseService, private readonly maxAttempts: number, private readonly commands: CommandSignatures) {}

  async handle(message: IncomingMessage<SupervisorTopic>): Promise<void> {
    // Before anything else, and outside the case-failing path below: an unsigned or forged command is dead-lettered
    // with its reason and changes nothing, not even the case it names.
    if (message.topic === 'supervisor.commands') {
      const keyId = this.commands.verify(message.envelope as Envelope<SupervisorCommand>, message.headers);
      this.logger.debug('signed command', { keyId, command: (message.envelope.payload as SupervisorCommand).command });
    }
    try {
      const outcome = await this.route(message);
      this.logger.debug('message handled', { topic: message.topic, outcome });
    } catch (error) {
      // A refused ticket opens no case, and must not fail the case a duplicate of it may name.
      if (error instanceof TenantRefusedError) throw error;
      const info = describeError(error);
      // A helpdesk report the supervisor cannot record is dead-lettered; it says nothing about the case's own progress.
      // An outage (Postgres, the gateway) is waited out by the bus with the same delivery: never a reason to fail.
      const helpdesk = message.topic === 'tickets.deliveries' || message.topic === 'tickets.signals';
      if (!helpdesk && !isDependencyUnavailable(error) && (info.category === 'user' || message.deliveryAttempt >= this.maxAttempts)) {
        await this.cases.markFailed(message.envelope.caseId, message.envelope.id, info).catch((e: unknown) => {
          this.logger.error('could not mark the case FAILED', { error: describeError(e) });
        });
      }
      throw error;
    }
  }

  private route(message: IncomingMessage<SupervisorTopic>) {
    switch (message.topic) {
      case 'tickets.ingress':
        return this.cases.onTicket(message.envelope as Envelope<TicketEvent>, { intake: intakeFromHeader(message.headers[INTAKE_HEADER], (msg, fields) => this.logger.warn(msg, fields)) });
      case 'agent.results':
        return this.cases.onAgentResult(message.envelope as Envelope<AgentResult>);
      case 'supervisor.commands':
        return this.cases.onCommand(message.envelope as Envelope<SupervisorCommand>);
      case 'tickets.deliveries':
      case 'tickets.signals':
        return this.cases.onHelpdesk(message.envelope as Envelope<DeliveryStatus> | Envelope<TicketSignal>, message.topic);
    }
  }
}
