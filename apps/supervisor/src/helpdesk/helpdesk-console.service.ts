import type { Pool } from 'pg';
import type { KafkaBus } from '@switchboard/bus';
import { JsonLogger } from '@switchboard/observability';
import { inTransaction, Outbox } from '@switchboard/store';
import type { Actor } from '../auth/actor';
import type { CaseRepository } from '../case/case.repository';
import type { ConsoleRepository } from '../console/console.repository';
import { CommandConflictError } from '../commands/command-conflict';
import { CaseNotFoundError } from '../console/console.service';

/**
 * The console's helpdesk actions. Re-sending a failed delivery is a decision like any other: the audit row and the
 * `helpdesk.commands` outbox row commit together, so it is recorded exactly when it is sent. The connector checks the
 * ticket for the delivery's marker before posting, so a re-send never posts twice.
 */
export class HelpdeskConsoleService {
  private readonly logger = new JsonLogger(HelpdeskConsoleService.name);

  constructor(
    private readonly pool: Pool,
    private readonly cases: Pick<CaseRepository, 'peek'>,
    private readonly repo: ConsoleRepository,
    private readonly bus: KafkaBus,
    private readonly onDecision: (command: string) => void = () => undefined,
  ) {}

  async resend(caseId: string, deliveryId: string, actor: Actor): Promise<{ messageId: string; decisionId: string }> {
    const found = await this.cases.peek(caseId);
    if (!found) throw new CaseNotFoundError(caseId);
    const s = found.state;
    const delivery = s.helpdesk?.deliveries[deliveryId];
    if (!delivery) throw new CaseNotFoundError(`${caseId} delivery ${deliveryId}`);
    if (delivery.status !== 'failed') throw new CommandConflictError(`delivery ${deliveryId} is ${delivery.status}; only a failed delivery can be re-sent`);
    const envelope = this.bus.envelope('helpdesk.commands', { command: 'resend', deliveryId, by: { userId: actor.userId, role: actor.role } }, {
      caseId, tenantId: s.tenantId, region: s.region, correlationId: s.correlationId, causationId: null,
    });
    const decisionId = await inTransaction(this.pool, async (tx) => {
      const id = await this.repo.recordDecision(tx, {
        caseId, actorId: actor.userId, actorRole: actor.role, via: actor.via, command: 'resend_delivery',
        arguments: { deliveryId, delivery: delivery.kind, run: delivery.run, lastReason: delivery.reason ?? null }, messageId: envelope.id,
      });
      await Outbox.add(tx, [{ topic: 'helpdesk.commands', key: caseId, value: envelope }]);
      return id;
    });
    this.onDecision('resend_delivery');
    this.logger.info('delivery re-send requested', { deliveryId, by: actor.userId, via: actor.via, messageId: envelope.id });
    return { messageId: envelope.id, decisionId };
  }
}
