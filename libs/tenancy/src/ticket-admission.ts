import type { IntakeFindings, TicketEvent } from '@switchboard/contracts';
import { CREDENTIAL_DETECTORS_VERSION, redactSecrets, type SecretKind } from '@switchboard/observability';
import type { TenantRegistry } from './tenant-registry';

/** A ticket as Switchboard keeps it, and what admission changed. */
export interface AdmittedTicket {
  ticket: TicketEvent;
  /** The region the ticket claimed, when the registry placed it elsewhere. */
  correctedFrom?: string;
  /** Credentials removed from the ticket's text. */
  redacted: { count: number; kinds: SecretKind[] };
  /** What admission found, as the intake verdicts of the case record it (null when it changed nothing). */
  findings: IntakeFindings | null;
}

// TicketEventSchema limits: a marker is longer than a short password, and the ticket must still parse downstream.
const LIMITS = { subject: 500, body: 20_000, name: 200, tag: 100 } as const;

function clean(text: string, max: number, found: { count: number; kinds: Set<SecretKind> }): string {
  const r = redactSecrets(text);
  found.count += r.count;
  for (const k of r.kinds) found.kinds.add(k);
  if (r.text.length <= max) return r.text;
  // Never leave half a marker (it would read as a new value next time): cut before it instead.
  for (const m of r.text.matchAll(/\[REDACTED:[a-z_]+\]/g)) if (m.index < max && m.index + m[0].length > max) return r.text.slice(0, m.index);
  return r.text.slice(0, max);
}

function cleanDeep(value: unknown, found: { count: number; kinds: Set<SecretKind> }, depth = 0): unknown {
  if (typeof value === 'string') return clean(value, Number.MAX_SAFE_INTEGER, found);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, found, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanDeep(v, found, depth + 1)]));
}

/**
 * What the ingress does before publishing a ticket and the supervisor does before opening its case: the region comes
 * from the tenant registry (the ticket's own claim is corrected or refused, an unknown tenant refused or placed per
 * policy — {@link TenantRegistry.place} throws `TenantRefusedError`), and credentials written in the ticket's text
 * (subject, body, requester name, tags, metadata) are redacted, so no model prompt, stored case, console view, log
 * line or helpdesk note carries them. Idempotent: admitting an admitted ticket changes nothing.
 *
 * @example
 * const { ticket, correctedFrom } = admitTicket(registry, incoming);
 * await publisher.publish(ticket);
 */
export function admitTicket(registry: TenantRegistry, incoming: TicketEvent): AdmittedTicket {
  const placement = registry.place(incoming.tenantId, incoming.region);
  const found = { count: 0, kinds: new Set<SecretKind>() };
  const ticket: TicketEvent = {
    ...incoming,
    region: placement.region,
    subject: clean(incoming.subject, LIMITS.subject, found),
    body: clean(incoming.body, LIMITS.body, found),
    requester: { ...incoming.requester, ...(incoming.requester.name !== undefined ? { name: clean(incoming.requester.name, LIMITS.name, found) } : {}) },
    tags: incoming.tags.map((t) => clean(t, LIMITS.tag, found)),
    metadata: cleanDeep(incoming.metadata, found) as Record<string, unknown>,
  };
  const findings: IntakeFindings = {
    ...(placement.correctedFrom ? { region: { claimed: placement.correctedFrom, placed: placement.region, ruleVersion: registry.version } } : {}),
    ...(found.count > 0 ? { redacted: { count: found.count, kinds: [...found.kinds].sort(), ruleVersion: CREDENTIAL_DETECTORS_VERSION } } : {}),
  };
  return {
    ticket, ...(placement.correctedFrom ? { correctedFrom: placement.correctedFrom } : {}), redacted: { count: found.count, kinds: [...found.kinds] },
    findings: findings.region || findings.redacted ? findings : null,
  };
}
