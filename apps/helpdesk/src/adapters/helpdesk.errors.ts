import { SwitchboardError } from '@switchboard/observability';

/** The ticket does not exist (deleted, merged away, or never in this helpdesk): retrying cannot help. */
export class TicketNotFoundError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('HELPDESK.TICKET_NOT_FOUND', 'user', message, { cause });
  }
}

/** The ticket can no longer be updated (Zendesk: closed tickets answer 422). */
export class TicketClosedError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('HELPDESK.TICKET_CLOSED', 'user', message, { cause });
  }
}

/** The helpdesk refused the update itself (a 4xx other than the above): sending it again would be refused again. */
export class HelpdeskRejectedError extends SwitchboardError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('HELPDESK.REJECTED', 'user', message, details ? { details } : undefined);
  }
}

/** 5xx, timeout or network failure: retried (in place, then through the retry topic). */
export class HelpdeskUnavailableError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('HELPDESK.UNAVAILABLE', 'third_party', message, { cause });
  }
}

/** 429 with a Retry-After longer than we wait in place, or too many of them in a row. */
export class HelpdeskRateLimitedError extends SwitchboardError {
  constructor(message: string) {
    super('HELPDESK.RATE_LIMITED', 'third_party', message);
  }
}

/** 401 / 403: the API credentials are wrong or lack permission; retried in case they are being rotated, then dead-lettered. */
export class HelpdeskAuthError extends SwitchboardError {
  constructor(message: string) {
    super('HELPDESK.AUTH_FAILED', 'third_party', message);
  }
}

/** The message names no ticket the connector can find (no ticket reference, unknown case). */
export class DeliveryUnaddressableError extends SwitchboardError {
  constructor(message: string) {
    super('HELPDESK.NO_TICKET', 'user', message);
  }
}

/**
 * Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent
 * or unreadable.
 *
 * @example
 * retryAfterSeconds('7'); // 7
 */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
