import type { TicketRef } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { markerTag } from '../delivery/delivery-id';
import {
  HelpdeskAuthError, HelpdeskRateLimitedError, HelpdeskRejectedError, HelpdeskUnavailableError, retryAfterSeconds, TicketClosedError, TicketNotFoundError,
} from './helpdesk.errors';
import { HelpdeskPort, type DeliveryReceipt, type DeliveryRequest } from './helpdesk.port';

export interface ZendeskOptions {
  /** https://<subdomain>.zendesk.com */
  baseUrl: string;
  email: string;
  apiToken: string;
  timeoutMs: number;
  maxRetryAfterSeconds: number;
  rateLimitRetries: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The subset of Zendesk's ticket JSON the connector reads. */
interface ZendeskTicket {
  id: number;
  status: string;
  tags: string[];
  updated_at: string;
}

// Concurrent updates of the same ticket (a human, or our note and escalation at once) make safe_update answer 409.
const MAX_CONFLICTS = 5;

/**
 * Zendesk Support REST API adapter (`PUT /api/v2/tickets/{id}.json`, API token auth). Zendesk has no idempotency key
 * on ticket updates, so each update carries the delivery's marker tag and is sent only after reading the ticket back
 * (`GET /api/v2/tickets/{id}.json`) shows no marker; `safe_update` + `updated_stamp` make Zendesk refuse the update
 * (409) if anything changed the ticket between that read and the write, so a write still in flight from a killed
 * process cannot slip in between. The comment and the tag are one update (one audit): the tag is there if and only
 * if the comment is. Tags are set as the union of the tags just read and ours, under the same stamp.
 */
export class ZendeskAdapter extends HelpdeskPort {
  readonly target = 'zendesk' as const;
  private readonly logger = new JsonLogger(ZendeskAdapter.name);
  private readonly auth: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ZendeskOptions) {
    super();
    this.auth = `Basic ${Buffer.from(`${options.email}/token:${options.apiToken}`).toString('base64')}`;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const id = await this.ticketIdOf(request.event.ticket);
    const receipt = { helpdeskTicketId: String(id), ticketUrl: `${this.options.baseUrl.replace(/\/$/, '')}/agent/tickets/${id}` };
    const marker = markerTag(request.deliveryId);
    for (let conflict = 0; ; conflict++) {
      const ticket = await this.showTicket(id);
      if (ticket.tags.includes(marker)) return { ...receipt, alreadyThere: true };
      if (ticket.status === 'closed') throw new TicketClosedError(`Zendesk ticket ${id} is closed; closed tickets cannot be updated`);
      const u = request.update;
      const body = {
        ticket: {
          ...(u.comment ? { comment: { body: u.comment.body, public: u.comment.public } } : {}),
          ...(u.status ? { status: u.status } : {}),
          ...(u.group ? { group_id: Number(u.group) } : {}),
          ...(u.priority ? { priority: u.priority } : {}),
          tags: [...new Set([...ticket.tags, ...u.tags, marker])],
          safe_update: true,
          updated_stamp: ticket.updated_at,
        },
      };
      const res = await this.call('PUT', `/api/v2/tickets/${id}.json`, body);
      if (res.status === 409 && conflict < MAX_CONFLICTS) {
        this.logger.info('ticket changed since it was read; reading it again', { ticketId: id, conflict: conflict + 1 });
        continue;
      }
      this.expectOk(res, `update of ticket ${id}`);
      return { ...receipt, alreadyThere: false };
    }
  }

  /** A Zendesk ticket is addressed by its id; tickets from elsewhere by the external_id they were synced with. */
  private async ticketIdOf(ref: TicketRef): Promise<number> {
    if (ref.source === 'zendesk') {
      if (!/^\d{1,19}$/.test(ref.externalId)) throw new TicketNotFoundError(`"${ref.externalId}" is not a Zendesk ticket id`);
      return Number(ref.externalId);
    }
    const res = await this.call('GET', `/api/v2/tickets.json?external_id=${encodeURIComponent(ref.externalId)}`);
    this.expectOk(res, `lookup of external id ${ref.externalId}`);
    const tickets = ((res.json as { tickets?: ZendeskTicket[] }).tickets ?? []).filter((t) => t.status !== 'deleted');
    if (tickets.length === 0) throw new TicketNotFoundError(`no Zendesk ticket has external_id "${ref.externalId}" (${ref.source} ticket)`);
    return tickets[0]!.id;
  }

  private async showTicket(id: number): Promise<ZendeskTicket> {
    const res = await this.call('GET', `/api/v2/tickets/${id}.json`);
    this.expectOk(res, `read of ticket ${id}`);
    const ticket = (res.json as { ticket?: ZendeskTicket }).ticket;
    if (!ticket || !Array.isArray(ticket.tags) || typeof ticket.updated_at !== 'string') {
      throw new HelpdeskUnavailableError(`Zendesk answered the read of ticket ${id} without a ticket (id, status, tags, updated_at)`);
    }
    return ticket;
  }

  private expectOk(res: { status: number; json: unknown; text: string }, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const detail = describeBody(res.json, res.text);
    if (res.status === 404) throw new TicketNotFoundError(`Zendesk: ${what}: 404 ticket not found (deleted?)${detail}`);
    if (res.status === 422) throw new TicketClosedError(`Zendesk: ${what}: 422 unprocessable (closed or locked ticket)${detail}`);
    if (res.status === 401 || res.status === 403) throw new HelpdeskAuthError(`Zendesk: ${what}: ${res.status}; check ZENDESK_EMAIL / ZENDESK_API_TOKEN and the token's permissions${detail}`);
    if (res.status === 429) throw new HelpdeskRateLimitedError(`Zendesk: ${what}: still rate limited (429) after waiting${detail}`);
    if (res.status >= 500 || res.status === 409) throw new HelpdeskUnavailableError(`Zendesk: ${what}: ${res.status}${detail}`);
    throw new HelpdeskRejectedError(`Zendesk: ${what}: ${res.status}${detail}`, { status: res.status });
  }

  /** One API call; 429 is waited out here (Retry-After, up to the configured bound) and the same request sent again. */
  private async call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
    for (let limited = 0; ; limited++) {
      let res: Response;
      try {
        res = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
          method,
          headers: { Authorization: this.auth, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        throw new HelpdeskUnavailableError(`Zendesk ${method} ${path.split('?')[0]} failed: ${(error as Error).message}`, error);
      }
      const text = await res.text().catch(() => '');
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (res.status !== 429) return { status: res.status, json, text };
      const wait = retryAfterSeconds(res.headers.get('retry-after')) ?? 1;
      if (limited >= this.options.rateLimitRetries || wait > this.options.maxRetryAfterSeconds) {
        throw new HelpdeskRateLimitedError(`Zendesk rate limit: 429 with Retry-After ${wait} s on ${method} ${path.split('?')[0]} (waited out ${limited} already; the retry topic takes over)`);
      }
      this.logger.warn('Zendesk rate limit; waiting Retry-After', { method, path: path.split('?')[0], retryAfterSeconds: wait });
      await this.sleep(wait * 1000);
    }
  }
}

function describeBody(json: unknown, text: string): string {
  const j = json as { error?: unknown; description?: unknown; details?: unknown } | undefined;
  const said = j && (j.description || j.error) ? `${String(j.error ?? '')}${j.description ? ` ${String(j.description)}` : ''}`.trim() : text.slice(0, 200);
  return said ? `: ${said}` : '';
}
