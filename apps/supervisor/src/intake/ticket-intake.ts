import { INTAKE_HEADER, IntakeFindingsSchema, type IntakeFindings, type TicketEvent } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { admitTicket, type TenantRegistry } from '@switchboard/tenancy';

/**
 * The supervisor's intake of `tickets.ingress`: any Kafka client may publish there, so every ticket goes through the
 * tenant registry (its region comes from the registry; an unknown tenant or unserved region throws
 * `TenantRefusedError`, which dead-letters the ticket and opens no case) and has its credentials redacted before the
 * case — and with it the console, every task and every prompt — ever holds it. The ingress admits the same way, so a
 * ticket that came through it is unchanged here; what the ingress changed arrives in the record's `switchboard-intake`
 * header and is merged with what changed here ({@link mergeIntake}).
 *
 * @example
 * new CaseService(pool, repo, policy, tokens, gateway, { admit: ticketIntake(registry) });
 */
export function ticketIntake(registry: TenantRegistry): (ticket: TicketEvent) => { ticket: TicketEvent; findings: IntakeFindings | null } {
  const logger = new JsonLogger('TicketIntake');
  return (incoming) => {
    const admitted = admitTicket(registry, incoming);
    if (admitted.correctedFrom) {
      logger.warn('ticket region set by the tenant registry', { tenantId: incoming.tenantId, claimed: admitted.correctedFrom, region: admitted.ticket.region });
    }
    if (admitted.redacted.count > 0) logger.info('credentials redacted from the ticket', { kinds: admitted.redacted.kinds, count: admitted.redacted.count });
    return { ticket: admitted.ticket, findings: admitted.findings };
  };
}

/**
 * The intake findings of a ticket: what was changed here wins (it is this deployment's own rules), what an earlier
 * admission reported fills the rest; null when nothing was changed anywhere.
 *
 * @example
 * mergeIntake(here, fromHeader); // { region: { claimed: 'us-east-1', placed: 'eu-sovereign', … }, redacted: { … } }
 */
export function mergeIntake(here: IntakeFindings | null, earlier: IntakeFindings | null | undefined): IntakeFindings | null {
  const region = here?.region ?? earlier?.region;
  const redacted = here?.redacted ?? earlier?.redacted;
  return region || redacted ? { ...(region ? { region } : {}), ...(redacted ? { redacted } : {}) } : null;
}

/**
 * Reads the intake findings a `tickets.ingress` record carries (header `switchboard-intake`, JSON). A header that does
 * not parse is reported and ignored: the ticket is still handled, its case just lacks those verdicts.
 */
export function intakeFromHeader(value: string | undefined, warn: (msg: string, fields: Record<string, unknown>) => void): IntakeFindings | null {
  if (value === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    warn('intake header is not JSON; ignored', { header: INTAKE_HEADER, bytes: value.length });
    return null;
  }
  const parsed = IntakeFindingsSchema.safeParse(raw);
  if (!parsed.success) {
    warn('intake header is not valid intake findings; ignored', { header: INTAKE_HEADER, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
    return null;
  }
  return parsed.data;
}
