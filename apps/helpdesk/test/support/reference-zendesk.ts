// A reference Zendesk (test support, like apps/acme-backend stands in for the company's systems): a small real HTTP
// server that follows the documented Zendesk Support REST API for what the connector uses — show, update
// (comment + public flag, status, group_id, priority, tags, safe_update / updated_stamp → 409), list by external_id,
// list comments, create — with API-token Basic auth, 404 for deleted and 422 for closed tickets, and injectable
// faults (429 + Retry-After, 5xx, latency before or after an update is applied). It can also play Zendesk's triggers:
// a customer reply, a reopen or a satisfaction rating is posted, signed like Zendesk signs, to the connector's
// webhook; and it receives the connector's generic signed webhook and checks every signature.
// In memory; used by the helpdesk integration tests and by scripts/demo (reference-zendesk.main.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { signWebhook, verifyWebhookSignature } from '@switchboard/webhooks';

export interface RefTicket {
  id: number;
  external_id: string | null;
  subject: string;
  description: string;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority: 'low' | 'normal' | 'high' | 'urgent' | null;
  group_id: number | null;
  tags: string[];
  requester: { email: string; name?: string };
  organization_external_id: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean;
}

export interface RefComment {
  id: number;
  ticket_id: number;
  audit_id: number;
  author: string;
  body: string;
  public: boolean;
  created_at: string;
}

export interface Fault {
  method?: string;
  /** Matches when the request path starts with this (e.g. `/api/v2/tickets/7`). */
  path?: string;
  status: number;
  retryAfter?: string;
  /** How many matching requests get this fault (default 1). */
  count?: number;
}

export interface ReceivedWebhook {
  deliveryId: string | undefined;
  verified: boolean;
  reason?: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  body: Record<string, unknown> | undefined;
  at: string;
}

export interface ReferenceZendeskOptions {
  email: string;
  apiToken: string;
  /** The connector's inbound webhook (POST /webhooks/zendesk) and its signing secret, for triggered signals. */
  signalUrl?: string;
  signalSecret?: string;
  /** Secret of the connector's generic webhook egress, to verify what arrives on /_reference/webhooks. */
  egressSecret?: string;
  port?: number;
}

type Json = Record<string, unknown>;

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

export class ReferenceZendesk {
  readonly tickets = new Map<number, RefTicket>();
  readonly comments: RefComment[] = [];
  readonly requests: Array<{ method: string; path: string; status: number; at: number }> = [];
  readonly webhooks: ReceivedWebhook[] = [];
  readonly signalsSent: Array<{ event: string; ticketId: number; status: number; body: Json; raw: string }> = [];
  private faults: Fault[] = [];
  private latency = { beforeMs: 0, afterApplyMs: 0 };
  private readonly holds = new Map<number, { applied: () => void; released: Promise<void> }>();
  private server?: Server;
  private nextTicket = 1000;
  private nextId = 90_000;
  private lastStamp = 0;
  url = '';

  constructor(private readonly options: ReferenceZendeskOptions) {}

  /** Where triggered signals go (the connector's /webhooks/zendesk) and the webhook's signing secret. */
  setSignalTarget(url: string, secret: string): void {
    this.options.signalUrl = url;
    this.options.signalSecret = secret;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ------------------------------------------------------------------ programmatic control (tests)

  createTicket(t: { subject: string; description: string; requester: { email: string; name?: string }; external_id?: string; organization?: string; priority?: RefTicket['priority']; tags?: string[] }): RefTicket {
    const now = this.stamp();
    const ticket: RefTicket = {
      id: this.nextTicket++, external_id: t.external_id ?? null, subject: t.subject, description: t.description, status: 'new', priority: t.priority ?? 'normal',
      group_id: null, tags: t.tags ?? [], requester: t.requester, organization_external_id: t.organization ?? null, created_at: now, updated_at: now, deleted: false,
    };
    this.tickets.set(ticket.id, ticket);
    this.comments.push({ id: this.nextId++, ticket_id: ticket.id, audit_id: this.nextId++, author: t.requester.email, body: t.description, public: true, created_at: now });
    return ticket;
  }

  commentsOf(id: number): RefComment[] {
    return this.comments.filter((c) => c.ticket_id === id);
  }

  /** Comments the connector wrote (every comment but the requester's). */
  agentComments(id: number): RefComment[] {
    const t = this.tickets.get(id);
    return this.commentsOf(id).filter((c) => c.author !== t?.requester.email);
  }

  addFault(fault: Fault): void {
    this.faults.push({ count: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setLatency(latency: { beforeMs?: number; afterApplyMs?: number }): void {
    this.latency = { beforeMs: latency.beforeMs ?? 0, afterApplyMs: latency.afterApplyMs ?? 0 };
  }

  /**
   * The next update of ticket `id` is applied, then its response is held until `release()`: the caller can kill the
   * client in exactly the window between Zendesk applying an update and the client hearing back.
   */
  holdNextUpdate(id: number): { applied: Promise<void>; release: () => void } {
    let applied!: () => void;
    let release!: () => void;
    const appliedP = new Promise<void>((resolve) => (applied = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(id, { applied, released });
    return { applied: appliedP, release };
  }

  deleteTicket(id: number): void {
    const t = this.mustGet(id);
    t.deleted = true;
  }

  setStatus(id: number, status: RefTicket['status']): void {
    const t = this.mustGet(id);
    t.status = status;
    t.updated_at = this.stamp();
  }

  /** An end user answers on the ticket: a public comment; a solved ticket reopens. Fires the matching triggers. */
  async customerReply(id: number, body: string): Promise<Array<{ event: string; status: number; body: Json }>> {
    const t = this.mustGet(id);
    const wasSolved = t.status === 'solved';
    const now = this.stamp();
    const comment: RefComment = { id: this.nextId++, ticket_id: id, audit_id: this.nextId++, author: t.requester.email, body, public: true, created_at: now };
    this.comments.push(comment);
    t.status = 'open';
    t.updated_at = now;
    const sent = [await this.trigger('customer_replied', t, { comment: { id: String(comment.id), body, author: t.requester.email } })];
    if (wasSolved) sent.push(await this.trigger('reopened', t, { previous_status: 'solved' }));
    return sent;
  }

  async rate(id: number, score: 'good' | 'bad', comment?: string): Promise<{ event: string; status: number; body: Json }> {
    const t = this.mustGet(id);
    t.updated_at = this.stamp();
    return this.trigger('satisfaction_rated', t, { satisfaction: { score: score === 'good' ? "Good, I'm satisfied" : "Bad, I'm unsatisfied", comment: comment ?? '' } });
  }

  /** The Zendesk trigger body of docs/helpdesk.md, signed with the webhook's secret, POSTed to the connector. */
  async trigger(event: string, t: RefTicket, extra: Json = {}): Promise<{ event: string; status: number; body: Json }> {
    if (!this.options.signalUrl || !this.options.signalSecret) throw new Error('reference Zendesk: no signalUrl / signalSecret configured');
    const { previous_status, ...rest } = extra as { previous_status?: string } & Json;
    const payload = {
      event,
      ticket: { id: String(t.id), status: t.status, previous_status: previous_status ?? '', updated_at: t.updated_at, external_id: t.external_id ?? '', organization: { external_id: t.organization_external_id ?? '' } },
      comment: { id: '', body: '', author: '' },
      satisfaction: { score: '', comment: '' },
      ...rest,
    };
    return this.postSignal(event, t.id, JSON.stringify(payload));
  }

  /** Zendesk retrying a webhook: the same body again, signed with a new timestamp. */
  async retrySignal(index = this.signalsSent.length - 1): Promise<{ event: string; status: number; body: Json }> {
    const sent = this.signalsSent[index];
    if (!sent) throw new Error(`reference Zendesk: no signal #${index} to retry`);
    return this.postSignal(sent.event, sent.ticketId, sent.raw);
  }

  private async postSignal(event: string, ticketId: number, raw: string): Promise<{ event: string; status: number; body: Json }> {
    if (!this.options.signalUrl || !this.options.signalSecret) throw new Error('reference Zendesk: no signalUrl / signalSecret configured');
    const timestamp = new Date().toISOString();
    const res = await fetch(this.options.signalUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signWebhook(this.options.signalSecret, timestamp, raw), 'x-zendesk-webhook-signature-timestamp': timestamp },
      body: raw,
    });
    const body = (await res.json().catch(() => ({}))) as Json;
    this.signalsSent.push({ event, ticketId, status: res.status, body, raw });
    return { event, status: res.status, body };
  }

  // ------------------------------------------------------------------ HTTP

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => resolve(data));
    });
    const url = new URL(req.url ?? '/', 'http://ref');
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, status, at: Date.now() });
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    try {
      if (url.pathname === '/health/live' || url.pathname === '/health/ready') return send(200, { status: 'ready' });
      if (url.pathname.startsWith('/_reference/')) return await this.admin(method, url, raw, req, send);
      if (!this.authorised(req)) return send(401, { error: "Couldn't authenticate you" });
      const fault = this.takeFault(method, url.pathname);
      if (fault) return send(fault.status, fault.status === 429 ? { error: 'TooManyRequests', description: 'Rate limit exceeded' } : { error: 'ServerError', description: `injected ${fault.status}` }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      if (this.latency.beforeMs) await sleep(this.latency.beforeMs);
      let m: RegExpExecArray | null;
      if (method === 'GET' && url.pathname.replace(/\.json$/, '') === '/api/v2/tickets') {
        const ext = url.searchParams.get('external_id');
        const list = [...this.tickets.values()].filter((t) => !t.deleted && (ext === null || t.external_id === ext));
        return send(200, { tickets: list.map(view), count: list.length, next_page: null, previous_page: null });
      }
      if (method === 'POST' && url.pathname.replace(/\.json$/, '') === '/api/v2/tickets') {
        const body = parse(raw)?.['ticket'] as Json | undefined;
        if (!body || typeof body['subject'] !== 'string' || typeof (body['comment'] as Json | undefined)?.['body'] !== 'string') {
          return send(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { base: [{ description: 'ticket.subject and ticket.comment.body are required' }] } });
        }
        const requester = (body['requester'] as { email?: string; name?: string } | undefined) ?? { email: 'requester@example.com' };
        const t = this.createTicket({
          subject: body['subject'], description: String((body['comment'] as Json)['body']), requester: { email: requester.email ?? 'requester@example.com', ...(requester.name ? { name: requester.name } : {}) },
          ...(typeof body['external_id'] === 'string' ? { external_id: body['external_id'] } : {}),
          ...(typeof body['organization_external_id'] === 'string' ? { organization: body['organization_external_id'] } : {}),
        });
        return send(201, { ticket: view(t) });
      }
      if ((m = /^\/api\/v2\/tickets\/(\d+)\/comments(?:\.json)?$/.exec(url.pathname)) && method === 'GET') {
        const t = this.tickets.get(Number(m[1]));
        if (!t || t.deleted) return send(404, { error: 'RecordNotFound', description: 'Not found' });
        return send(200, { comments: this.commentsOf(t.id).map(({ ticket_id: _t, author, ...c }) => ({ ...c, author_id: author })), count: this.commentsOf(t.id).length });
      }
      if ((m = /^\/api\/v2\/tickets\/(\d+)(?:\.json)?$/.exec(url.pathname))) {
        const t = this.tickets.get(Number(m[1]));
        if (!t || t.deleted) return send(404, { error: 'RecordNotFound', description: 'Not found' });
        if (method === 'GET') return send(200, { ticket: view(t) });
        if (method === 'PUT') return await this.update(t, raw, send);
      }
      return send(404, { error: 'InvalidEndpoint', description: 'Not found' });
    } catch (error) {
      return send(500, { error: 'ServerError', description: (error as Error).message });
    }
  }

  private async update(t: RefTicket, raw: string, send: (status: number, body: unknown) => void): Promise<void> {
    const body = parse(raw)?.['ticket'] as Json | undefined;
    if (!body || typeof body !== 'object') return send(400, { error: 'InvalidParams', description: 'body must be {"ticket": {...}}' });
    if (t.status === 'closed') return send(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: closed prevents ticket update' }] } });
    if (body['safe_update'] === true && body['updated_stamp'] !== t.updated_at) {
      return send(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.' });
    }
    const problems: string[] = [];
    const comment = body['comment'] as { body?: unknown; public?: unknown } | undefined;
    if (comment !== undefined && (typeof comment.body !== 'string' || comment.body.trim() === '')) problems.push('comment.body must be a non-empty string');
    if (body['status'] !== undefined && !STATUSES.includes(String(body['status']))) problems.push(`status ${String(body['status'])} is not one of ${STATUSES.join(', ')}`);
    if (body['priority'] !== undefined && !PRIORITIES.includes(String(body['priority']))) problems.push(`priority ${String(body['priority'])} is invalid`);
    if (body['group_id'] !== undefined && !(Number.isInteger(body['group_id']) && Number(body['group_id']) > 0)) problems.push('group_id must be a positive integer');
    if (body['tags'] !== undefined && !(Array.isArray(body['tags']) && body['tags'].every((x) => typeof x === 'string' && !/\s/.test(x)))) problems.push('tags must be strings without spaces');
    if (problems.length > 0) return send(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { base: problems.map((description) => ({ description })) } });
    const now = this.stamp();
    const auditId = this.nextId++;
    if (comment) this.comments.push({ id: this.nextId++, ticket_id: t.id, audit_id: auditId, author: this.options.email, body: String(comment.body), public: comment.public !== false, created_at: now });
    if (body['status'] !== undefined) t.status = body['status'] as RefTicket['status'];
    else if (t.status === 'new') t.status = 'open';
    if (body['priority'] !== undefined) t.priority = body['priority'] as RefTicket['priority'];
    if (body['group_id'] !== undefined) t.group_id = Number(body['group_id']);
    if (body['tags'] !== undefined) t.tags = [...new Set(body['tags'] as string[])];
    t.updated_at = now;
    // Applied: a client killed now has changed the ticket without hearing back (the window the markers cover).
    const hold = this.holds.get(t.id);
    if (hold) {
      this.holds.delete(t.id);
      hold.applied();
      await hold.released;
    }
    if (this.latency.afterApplyMs) await sleep(this.latency.afterApplyMs);
    send(200, { ticket: view(t), audit: { id: auditId, ticket_id: t.id, created_at: now, author_id: this.options.email, events: comment ? [{ type: 'Comment', public: comment.public !== false }] : [] } });
  }

  private async admin(method: string, url: URL, raw: string, req: IncomingMessage, send: (status: number, body: unknown) => void): Promise<void> {
    const path = url.pathname.slice('/_reference'.length);
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/tickets') {
      return send(200, { tickets: [...this.tickets.values()].map((t) => ({ ...view(t), deleted: t.deleted, comments: this.commentsOf(t.id) })) });
    }
    if (method === 'POST' && path === '/tickets') {
      const b = parse(raw) ?? {};
      const t = this.createTicket({
        subject: String(b['subject'] ?? ''), description: String(b['description'] ?? ''), requester: (b['requester'] as RefTicket['requester']) ?? { email: 'requester@example.com' },
        ...(typeof b['external_id'] === 'string' ? { external_id: b['external_id'] } : {}), ...(typeof b['organization'] === 'string' ? { organization: b['organization'] } : {}),
      });
      return send(201, { ticket: view(t) });
    }
    if (method === 'GET' && path === '/webhooks') return send(200, { webhooks: this.webhooks });
    if (method === 'POST' && path === '/webhooks') {
      const signature = header(req, 'x-switchboard-signature');
      const timestamp = header(req, 'x-switchboard-signature-timestamp');
      const verdict = this.options.egressSecret
        ? verifyWebhookSignature({ secret: this.options.egressSecret, signature, timestamp, rawBody: raw, maxSkewSeconds: 300, names: { signature: 'X-Switchboard-Signature', timestamp: 'X-Switchboard-Signature-Timestamp' } })
        : ({ ok: false, reason: 'no egress secret configured' } as const);
      const fault = this.takeFault('POST', '/_reference/webhooks');
      this.webhooks.push({ deliveryId: header(req, 'x-switchboard-delivery'), verified: verdict.ok, ...(verdict.ok ? {} : { reason: verdict.reason }), rawBody: raw, signature, timestamp, body: parse(raw), at: new Date().toISOString() });
      if (fault) return send(fault.status, { error: `injected ${fault.status}` });
      return verdict.ok ? send(200, { received: true }) : send(401, { error: verdict.reason });
    }
    if (method === 'POST' && path === '/faults') {
      const b = parse(raw) as unknown as Fault | undefined;
      if (!b || typeof b.status !== 'number') return send(400, { error: 'a fault needs a numeric status' });
      this.addFault(b);
      return send(201, { faults: this.faults });
    }
    if (method === 'POST' && path === '/latency') {
      this.setLatency((parse(raw) ?? {}) as { beforeMs?: number; afterApplyMs?: number });
      return send(200, this.latency);
    }
    if ((m = /^\/tickets\/(\d+)\/(delete|close|customer-reply|rate)$/.exec(path)) && method === 'POST') {
      const id = Number(m[1]);
      if (!this.tickets.has(id)) return send(404, { error: 'no such ticket' });
      const b = parse(raw) ?? {};
      if (m[2] === 'delete') this.deleteTicket(id);
      if (m[2] === 'close') this.setStatus(id, 'closed');
      if (m[2] === 'customer-reply') return send(200, { triggered: await this.customerReply(id, String(b['body'] ?? 'Thanks')) });
      if (m[2] === 'rate') return send(200, { triggered: await this.rate(id, b['score'] === 'bad' ? 'bad' : 'good', typeof b['comment'] === 'string' ? b['comment'] : undefined) });
      return send(200, { ticket: view(this.tickets.get(id)!) });
    }
    return send(404, { error: 'unknown reference endpoint' });
  }

  private authorised(req: IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${this.options.email}/token:${this.options.apiToken}`).toString('base64')}`;
    return req.headers['authorization'] === expected;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || path.startsWith(f.path)));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.count = (f.count ?? 1) - 1;
    if (f.count <= 0) this.faults.splice(i, 1);
    return f;
  }

  private mustGet(id: number): RefTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`reference Zendesk: no ticket ${id}`);
    return t;
  }

  /** A strictly increasing updated_at, so two updates never share a stamp (safe_update compares it). */
  private stamp(): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }
}

function view(t: RefTicket): Json {
  const { deleted: _d, organization_external_id, ...rest } = t;
  return { ...rest, organization_external_id };
}

function parse(raw: string): Json | undefined {
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
