import type { TicketEvent } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { admitTicket, type TenantRegistry } from '@switchboard/tenancy';

/**
 * The supervisor's intake of `tickets.ingress`: any Kafka client may publish there, so every ticket goes through the
 * tenant registry (its region comes from the registry; an unknown tenant or unserved region throws
 * `TenantRefusedError`, which dead-letters the ticket and opens no case) and has its credentials redacted before the
 * case — and with it the console, every task and every prompt — ever holds it. The ingress admits the same way.
 *
 * @example
 * new CaseService(pool, repo, policy, tokens, gateway, { admit: ticketIntake(registry) });
 */
export function ticketIntake(registry: TenantRegistry): (ticket: TicketEvent) => TicketEvent {
  const logger = new JsonLogger('TicketIntake');
  return (incoming) => {
    const admitted = admitTicket(registry, incoming);
    if (admitted.correctedFrom) {
      logger.warn('ticket region set by the tenant registry', { tenantId: incoming.tenantId, claimed: admitted.correctedFrom, region: admitted.ticket.region });
    }
    if (admitted.redacted.count > 0) logger.info('credentials redacted from the ticket', { kinds: admitted.redacted.kinds, count: admitted.redacted.count });
    return admitted.ticket;
  };
}
