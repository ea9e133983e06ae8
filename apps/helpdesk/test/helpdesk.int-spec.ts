// Real: Kafka, Postgres, the helpdesk connector (in process, HTTP on an ephemeral port, its outbox relay), and the
// reference Zendesk over real HTTP (test support: a server that follows Zendesk's documented ticket API).
// Doubles: none inside the connector. What the supervisor would emit is published by the test (Publisher).
import type { NestExpressApplication } from '@nestjs/platform-express';
import { caseIdFor, type DeliveryStatus, type Envelope, type TicketEvent } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { signWebhook } from '@switchboard/webhooks';
import { waitFor } from '../../supervisor/test/support/scripted-agents';
import { deliveryIdFor, markerTag } from '../src/delivery/delivery-id';
import { createHelpdeskApp } from '../src/helpdesk.app';
import { HELPDESK_TOPICS } from '../src/helpdesk.handler';
import { parseRouting } from '../src/routing/routing.loader';
import { HelpdeskDb, helpdeskConfig, primeGroupAtEnd, Publisher, RawRecorder, runId, ticketEvent, ZD } from './support/harness';
import { ReferenceZendesk, type RefTicket } from './support/reference-zendesk';

jest.setTimeout(120_000);

const run = runId();
const tenant = (name: string) => `hd-${name}-${run}`;
const routing = parseRouting(`
version: 1
reply:
  status: solved
  tags: [switchboard_resolved]
  tenants:
    ${tenant('pending')}: { status: pending }
notes: { tags: [switchboard_note] }
escalation:
  default: { group: 100, tags: [switchboard_escalated] }
  routes:
    - when: { intent: refund }
      group: 200
      tags: [billing]
      priority: high
    - when: { reason: approval_rejected, tenant: ${tenant('routes')} }
      group: 300
      tags: [payments_review]
      priority: urgent
`);

const zendesk = new ReferenceZendesk({ email: ZD.email, apiToken: ZD.token, signalSecret: ZD.signalSecret });
const publisher = new Publisher();
const recorder = new RawRecorder(`hd-recorder-${run}`, ['tickets.deliveries', 'tickets.signals', 'tickets.replies.dlq', 'tickets.internal-notes.dlq', 'tickets.outcomes.dlq']);
const db = new HelpdeskDb();
let app: NestExpressApplication;
let appUrl: string;

beforeAll(async () => {
  configureLogging({ level: 'error' });
  await Promise.all([zendesk.start(), publisher.start()]);
  await recorder.start();
  const config = helpdeskConfig(`hd-test-${run}`, zendesk.url, { ZENDESK_MAX_RETRY_AFTER_SECONDS: '5' });
  await primeGroupAtEnd(config.HELPDESK_GROUP_ID, HELPDESK_TOPICS);
  app = await createHelpdeskApp(config, { routing });
  await app.listen(0, '127.0.0.1');
  appUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  zendesk.setSignalTarget(`${appUrl}/webhooks/zendesk`, ZD.signalSecret);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([recorder.stop(), publisher.stop(), zendesk.stop(), db.end()]);
});

/** A Zendesk ticket and its case, known to the connector from tickets.ingress. */
async function zendeskCase(name: string, over: Partial<TicketEvent> = {}): Promise<{ z: RefTicket; t: TicketEvent; caseId: string }> {
  const z = zendesk.createTicket({ subject: `Dashboard blank (${name})`, description: 'Our dashboard is blank.', requester: { email: 'ops@example.com' }, organization: over.tenantId ?? tenant(name) });
  const t = ticketEvent(over.tenantId ?? tenant(name), String(z.id), over);
  return { z, t, caseId: await publisher.ticket(t) };
}

const statuses = (caseId: string) => recorder.envelopes('tickets.deliveries', caseId).map((e) => e.payload as unknown as DeliveryStatus);
const statusOf = (caseId: string, want: (s: DeliveryStatus) => boolean, what: string) => waitFor(`${what} for ${caseId}`, () => statuses(caseId).find(want), 30_000);
const reply = (t: TicketEvent, run = 1, body = 'We flushed your dashboard cache; please reload the page.') =>
  publisher.envelope('tickets.replies', t, { source: t.source, externalId: t.externalId, to: t.requester.email, subject: `Re: ${t.subject}`, body, evidenceCount: 2, run });

describe('delivering to Zendesk', () => {
  it('posts a verified reply as one public comment with the configured status, once per run however often it arrives', async () => {
    const { z, t, caseId } = await zendeskCase('reply');
    const first = await publisher.send('tickets.replies', reply(t));
    const delivered = await statusOf(caseId, (s) => s.kind === 'reply' && s.status === 'delivered', 'the delivered reply');

    expect(delivered).toMatchObject({ run: 1, target: 'zendesk', recovered: false, helpdeskTicketId: String(z.id), ticketUrl: `${zendesk.url}/agent/tickets/${z.id}` });
    expect(zendesk.agentComments(z.id)).toEqual([expect.objectContaining({ public: true, body: 'We flushed your dashboard cache; please reload the page.' })]);
    expect(zendesk.tickets.get(z.id)).toMatchObject({ status: 'solved', tags: expect.arrayContaining(['switchboard_resolved', markerTag(deliveryIdFor(caseId, 1, 'reply'))]) });

    // The same message again (Kafka redelivery) and a re-published copy with a new envelope id (supervisor outbox),
    // then the reply of a second run behind them on the same partition: two public replies in all, one per run.
    await publisher.send('tickets.replies', first);
    await publisher.send('tickets.replies', reply(t));
    await publisher.send('tickets.replies', reply(t, 2, 'Second run: we flushed the cache again.'));
    await statusOf(caseId, (s) => s.kind === 'reply' && s.run === 2 && s.status === 'delivered', 'the run-2 reply');
    expect(zendesk.agentComments(z.id).map((c) => c.body)).toEqual(['We flushed your dashboard cache; please reload the page.', 'Second run: we flushed the cache again.']);
    expect(statuses(caseId).filter((s) => s.run === 1)).toHaveLength(1);
  });

  it('finds its own update on the ticket when the bookkeeping after the API call was lost, and does not post again', async () => {
    const { z, t, caseId } = await zendeskCase('pending', { tenantId: tenant('pending') });
    const env = await publisher.send('tickets.replies', reply(t));
    await statusOf(caseId, (s) => s.status === 'delivered', 'the first delivery');
    expect(zendesk.tickets.get(z.id)!.status).toBe('pending'); // the tenant's configured status

    // As if the connector died right after Zendesk applied the update: the delivery is not recorded as done.
    await db.pool.query(`UPDATE helpdesk.deliveries SET status = 'pending' WHERE delivery_id = $1`, [deliveryIdFor(caseId, 1, 'reply')]);
    await publisher.send('tickets.replies', env);
    const recovered = await statusOf(caseId, (s) => s.recovered, 'the recovered delivery');

    expect(recovered).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
  });

  it('posts shadow and assist notes as private comments, and routes assist escalations without a second comment', async () => {
    const shadow = await zendeskCase('shadow');
    const actions = [{ tool: 'flush_cache', arguments: { tenantId: shadow.t.tenantId } }];
    await publisher.send('tickets.internal-notes', publisher.envelope('tickets.internal-notes', shadow.t, {
      mode: 'shadow', body: '[shadow] shadow mode: a human handles the ticket\n\nWould do: flush the dashboard cache', proposedActions: actions, ticket: { source: 'zendesk', externalId: shadow.t.externalId }, run: 1,
    }));
    await publisher.send('tickets.outcomes', publisher.envelope('tickets.outcomes', shadow.t, {
      status: 'ESCALATED', mode: 'shadow', intent: 'dashboard_cache', reason: 'shadow mode', summary: 'Blank dashboard', verified: false, ticket: { source: 'zendesk', externalId: shadow.t.externalId }, run: 1,
    }));
    const assist = await zendeskCase('assist');
    await publisher.send('tickets.internal-notes', publisher.envelope('tickets.internal-notes', assist.t, {
      mode: 'assist', body: '[assist] context attached\n\nContext: Refund policy › Limits', proposedActions: [], ticket: { source: 'zendesk', externalId: assist.t.externalId }, run: 1,
    }));
    await publisher.send('tickets.outcomes', publisher.envelope('tickets.outcomes', assist.t, {
      status: 'ESCALATED', mode: 'assist', intent: 'refund', reason: 'assist mode: context and routing attached', summary: 'Refund request', verified: false,
      handoff: { reason: 'assist mode', asked: 'Refund $250', findings: [], tried: [], counters: {} }, ticket: { source: 'zendesk', externalId: assist.t.externalId }, run: 1,
    }));

    await statusOf(shadow.caseId, (s) => s.kind === 'note' && s.status === 'delivered', 'the shadow note');
    await statusOf(assist.caseId, (s) => s.kind === 'escalation' && s.status === 'delivered', 'the assist routing');
    await statusOf(assist.caseId, (s) => s.kind === 'note' && s.status === 'delivered', 'the assist note');

    const [shadowNote] = zendesk.agentComments(shadow.z.id);
    expect(zendesk.agentComments(shadow.z.id)).toHaveLength(1);
    expect(shadowNote).toMatchObject({ public: false });
    expect(shadowNote!.body).toContain('shadow mode');
    expect(shadowNote!.body).toContain(`• flush_cache {"tenantId":"${shadow.t.tenantId}"}`);
    // Shadow mode drafts only: no routing, no escalation delivery at all.
    expect(zendesk.tickets.get(shadow.z.id)).toMatchObject({ group_id: null, tags: expect.arrayContaining(['switchboard_note']) });
    expect(statuses(shadow.caseId).map((s) => s.kind)).toEqual(['note']);

    expect(zendesk.agentComments(assist.z.id)).toEqual([expect.objectContaining({ public: false, body: expect.stringContaining('Context: Refund policy') })]);
    expect(zendesk.tickets.get(assist.z.id)).toMatchObject({ group_id: 200, priority: 'high', tags: expect.arrayContaining(['switchboard_escalated', 'billing']) });
  });

  it('routes an escalation to its group with tags and priority, and puts the handoff packet on the ticket as a private comment', async () => {
    const { z, t, caseId } = await zendeskCase('routes', { tenantId: tenant('routes') });
    await publisher.send('tickets.outcomes', publisher.envelope('tickets.outcomes', t, {
      status: 'ESCALATED', mode: 'autonomous', intent: 'billing_dispute', reason: 'approval apr_1 (issue_refund) rejected by ana: too large', summary: 'Refund of $900',
      verified: false, ticket: { source: 'zendesk', externalId: t.externalId }, run: 1,
      handoff: {
        reason: 'approval apr_1 (issue_refund) rejected by ana: too large', breaker: 'approval_rejected', asked: 'Charged twice: refund $900 for inv_1',
        findings: [{ agent: 'triage', summary: 'intent billing_dispute (confidence 0.97)' }, { agent: 'resolver', summary: 'duplicate charge confirmed on inv_1' }],
        tried: [{ tool: 'issue_refund', arguments: { invoiceId: 'inv_1', amount: 900 }, outcome: 'proposed, not executed' }],
        counters: { iterations: 4, tokens: 3200, costUsd: 0.0123, toolErrors: 0, run: 1 }, suggestedNextStep: 'The proposed write was rejected; resolve by hand.',
      },
    }));
    await statusOf(caseId, (s) => s.kind === 'escalation' && s.status === 'delivered', 'the escalation');

    expect(zendesk.tickets.get(z.id)).toMatchObject({ group_id: 300, priority: 'urgent', tags: expect.arrayContaining(['switchboard_escalated', 'payments_review']) });
    const [note] = zendesk.agentComments(z.id);
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
    expect(note!.public).toBe(false);
    const lines = note!.body.split('\n');
    expect(lines[0]).toBe('Switchboard escalated this ticket — a human takes it from here.');
    expect(note!.body).toContain('Why: approval apr_1 (issue_refund) rejected by ana: too large [approval_rejected]');
    expect(note!.body).toContain('Customer asked: Charged twice: refund $900 for inv_1');
    expect(note!.body).toContain('Suggested next step: The proposed write was rejected; resolve by hand.');
    expect(note!.body).toContain('• issue_refund {"invoiceId":"inv_1","amount":900} → proposed, not executed');
    expect(note!.body).toContain('Spent: 4 agent steps · 3200 tokens · $0.0123');
  });

  it('finds the Zendesk ticket of a ticket from another source by its external_id', async () => {
    const ext = `SYNC-${run}`;
    const z = zendesk.createTicket({ subject: 'Synced', description: 'From the API', requester: { email: 'ops@example.com' }, external_id: ext });
    const t = ticketEvent(tenant('synced'), ext, { source: 'api' });
    const caseId = await publisher.ticket(t);
    await publisher.send('tickets.replies', reply(t));
    expect(await statusOf(caseId, (s) => s.status === 'delivered', 'the delivery')).toMatchObject({ helpdeskTicketId: String(z.id) });
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
  });
});

describe('when Zendesk pushes back', () => {
  it('waits out a 429 for its Retry-After before sending again', async () => {
    const { z, t, caseId } = await zendeskCase('ratelimit');
    zendesk.addFault({ method: 'PUT', path: `/api/v2/tickets/${z.id}`, status: 429, retryAfter: '2' });
    await publisher.send('tickets.replies', reply(t));
    await statusOf(caseId, (s) => s.status === 'delivered', 'the delivery');

    const puts = zendesk.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`/api/v2/tickets/${z.id}`));
    expect(puts.map((r) => r.status)).toEqual([429, 200]);
    expect(puts[1]!.at - puts[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
  });

  it('retries 5xx through the retry topic and delivers once', async () => {
    const { z, t, caseId } = await zendeskCase('unavailable');
    zendesk.addFault({ method: 'GET', path: `/api/v2/tickets/${z.id}`, status: 503, count: 2 });
    await publisher.send('tickets.replies', reply(t));
    expect(await statusOf(caseId, (s) => s.status === 'delivered', 'the delivery')).toMatchObject({ attempts: 3 });
    expect(zendesk.agentComments(z.id)).toHaveLength(1);
  });

  it('dead-letters a reply to a deleted ticket with the reason and reports the delivery failed', async () => {
    const { z, t, caseId } = await zendeskCase('deleted');
    zendesk.deleteTicket(z.id);
    const env = await publisher.send('tickets.replies', reply(t));
    const failed = await statusOf(caseId, (s) => s.status === 'failed', 'the failed status');
    const [letter] = await waitFor('the dead letter', () => recorder.deadLetters('tickets.replies', caseId)[0] && recorder.deadLetters('tickets.replies', caseId), 30_000);

    expect(failed).toMatchObject({ kind: 'reply', attempts: 1, reason: { code: 'HELPDESK.TICKET_NOT_FOUND', message: expect.stringContaining('404') } });
    expect(letter!.reason).toMatchObject({ code: 'HELPDESK.TICKET_NOT_FOUND', message: expect.stringContaining(`ticket ${z.id}`) });
    expect(JSON.parse(Buffer.from(letter!.originalValueBase64, 'base64').toString()).id).toBe(env.id);
    expect(await db.deliveries(caseId)).toEqual([expect.objectContaining({ kind: 'reply', status: 'failed', reason: expect.objectContaining({ code: 'HELPDESK.TICKET_NOT_FOUND' }) })]);
  });

  it('reports a closed ticket as failed, and delivers once on a re-send after the ticket was reopened', async () => {
    const { z, t, caseId } = await zendeskCase('closed');
    zendesk.setStatus(z.id, 'closed');
    await publisher.send('tickets.replies', reply(t));
    expect(await statusOf(caseId, (s) => s.status === 'failed', 'the failed status')).toMatchObject({ reason: { code: 'HELPDESK.TICKET_CLOSED' } });

    zendesk.setStatus(z.id, 'open');
    const deliveryId = deliveryIdFor(caseId, 1, 'reply');
    await publisher.send('helpdesk.commands', publisher.envelope('helpdesk.commands', t, { command: 'resend', deliveryId, by: { userId: 'ana', role: 'supervisor' } }));
    expect(await statusOf(caseId, (s) => s.status === 'delivered', 'the re-sent delivery')).toMatchObject({ deliveryId, attempts: 2, recovered: false });
    // A second re-send of a delivered delivery changes nothing.
    await publisher.send('helpdesk.commands', publisher.envelope('helpdesk.commands', t, { command: 'resend', deliveryId, by: { userId: 'ana', role: 'supervisor' } }));
    await publisher.send('tickets.replies', reply(t, 2, 'run 2'));
    await statusOf(caseId, (s) => s.run === 2 && s.status === 'delivered', 'the run-2 reply');
    expect(zendesk.agentComments(z.id).map((c) => c.body)).toEqual(['We flushed your dashboard cache; please reload the page.', 'run 2']);
  });
});

describe('signals from Zendesk (POST /webhooks/zendesk)', () => {
  const post = (raw: string, headers: Record<string, string>) => fetch(`${appUrl}/webhooks/zendesk`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  const signed = (raw: string, secret = ZD.signalSecret, timestamp = new Date().toISOString()) => ({
    'x-zendesk-webhook-signature': signWebhook(secret, timestamp, raw), 'x-zendesk-webhook-signature-timestamp': timestamp,
  });
  const signals = (caseId: string) => recorder.envelopes('tickets.signals', caseId);

  /** A case whose ticket the connector has seen on tickets.ingress (signals about other tickets are refused). */
  async function knownCase(name: string) {
    const c = await zendeskCase(name);
    await waitFor(`the connector to know ${c.caseId}`, () => db.knows(c.caseId));
    return c;
  }

  it('refuses a bad signature (401), an unknown ticket (404) and a malformed body (422) with a reason, publishing nothing', async () => {
    const { z, caseId } = await knownCase('refused');
    const body = JSON.stringify({ event: 'customer_replied', ticket: { id: String(z.id), updated_at: new Date().toISOString() }, comment: { body: 'Still broken' } });

    const forged = await post(body, signed(body, 'not-the-zendesk-secret-0123'));
    const stale = await post(body, signed(body, ZD.signalSecret, new Date(Date.now() - 3600_000).toISOString()));
    const unsigned = await post(body, {});
    const tampered = await post(body.replace('Still broken', 'Refund me'), signed(body));
    const unknown = JSON.stringify({ event: 'reopened', ticket: { id: '999999999' } });
    const notOurs = await post(unknown, signed(unknown));
    const malformed = JSON.stringify({ event: 'exploded', ticket: { id: 'x' } });
    const invalid = await post(malformed, signed(malformed));

    expect([forged.status, stale.status, unsigned.status, tampered.status]).toEqual([401, 401, 401, 401]);
    expect(await forged.json()).toEqual({ code: 'HELPDESK.SIGNATURE_INVALID', message: 'signature does not match' });
    expect(((await stale.json()) as { message: string }).message).toMatch(/^signature timestamp is \d+ s away from now$/);
    expect(notOurs.status).toBe(404);
    expect(await notOurs.json()).toEqual({ code: 'HELPDESK.UNKNOWN_TICKET', message: 'no Switchboard case for Zendesk ticket 999999999' });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['event', 'ticket.id']));

    // The one good request after them is the only signal of the case (same key: same partition, in order).
    const good = await post(body, signed(body));
    expect(good.status).toBe(202);
    await waitFor('the accepted signal', () => signals(caseId).length > 0);
    expect(signals(caseId)).toHaveLength(1);
    expect(signals(caseId)[0]!.payload).toMatchObject({ signal: 'customer_replied', comment: { body: 'Still broken' } });
  });

  it('turns a customer reply, a reopen and a rating into one signal each, whatever Zendesk retries', async () => {
    const { z, caseId } = await knownCase('signals');
    zendesk.setStatus(z.id, 'solved');
    const sent = await zendesk.customerReply(z.id, 'It is broken again');
    const rated = await zendesk.rate(z.id, 'bad', 'Not fixed');
    expect([...sent, rated].map((s) => [s.event, s.status])).toEqual([['customer_replied', 202], ['reopened', 202], ['satisfaction_rated', 202]]);
    // Zendesk retrying the rating webhook: the same event, the same envelope id.
    expect((await zendesk.retrySignal()).status).toBe(202);

    await waitFor('four signal records', () => signals(caseId).length >= 4);
    const byKind = (k: string) => signals(caseId).filter((e) => e.payload['signal'] === k);
    expect(byKind('customer_replied')[0]!.payload).toMatchObject({ ticket: { source: 'zendesk', externalId: String(z.id) }, comment: { body: 'It is broken again', author: 'ops@example.com' } });
    expect(byKind('reopened')[0]!.payload).toMatchObject({ previousStatus: 'solved' });
    expect(byKind('satisfaction_rated').map((e) => e.payload['score'])).toEqual(['bad', 'bad']);
    expect(new Set(byKind('satisfaction_rated').map((e) => e.id)).size).toBe(1);
    expect(byKind('satisfaction_rated')[0]).toMatchObject({ caseId, tenantId: tenant('signals'), correlationId: caseId } satisfies Partial<Envelope<unknown>>);
    expect(caseIdFor({ source: 'zendesk', tenantId: tenant('signals'), externalId: String(z.id) })).toBe(caseId);
  });
});
