// The generic signed webhook (HELPDESK_ADAPTER=webhook) on the real broker and database, POSTing over real HTTP to
// the reference helpdesk's receiver, which verifies every signature the way a receiver following docs/helpdesk.md
// would. The body is checked against the published JSON Schema (docs/contracts/helpdesk-webhook-event.schema.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { DeliveryStatus } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { verifyWebhookSignature } from '@switchboard/webhooks';
import { waitFor } from '../../supervisor/test/support/scripted-agents';
import { deliveryIdFor } from '../src/delivery/delivery-id';
import { createHelpdeskApp } from '../src/helpdesk.app';
import { HELPDESK_TOPICS } from '../src/helpdesk.handler';
import { parseRouting } from '../src/routing/routing.loader';
import { helpdeskConfig, primeGroupAtEnd, Publisher, RawRecorder, runId, ticketEvent, ZD } from './support/harness';
import { ReferenceZendesk } from './support/reference-zendesk';

jest.setTimeout(120_000);

const run = runId();
const receiver = new ReferenceZendesk({ email: ZD.email, apiToken: ZD.token, egressSecret: ZD.egressSecret });
const publisher = new Publisher();
const recorder = new RawRecorder(`hd-wh-recorder-${run}`, ['tickets.deliveries', 'tickets.replies.dlq']);
let app: NestExpressApplication;

beforeAll(async () => {
  configureLogging({ level: 'error' });
  await Promise.all([receiver.start(), publisher.start()]);
  await recorder.start();
  const config = helpdeskConfig(`hd-wh-${run}`, receiver.url, {
    HELPDESK_ADAPTER: 'webhook', HELPDESK_WEBHOOK_URL: `${receiver.url}/_reference/webhooks`, HELPDESK_WEBHOOK_SECRET: ZD.egressSecret,
    HELPDESK_WEBHOOK_RETRIES: '3', HELPDESK_WEBHOOK_BACKOFF_MS: '200',
  });
  await primeGroupAtEnd(config.HELPDESK_GROUP_ID, HELPDESK_TOPICS);
  app = await createHelpdeskApp(config, { routing: parseRouting('version: 1\nescalation: { default: { group: 42, tags: [escalated] } }') });
  await app.init();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([recorder.stop(), publisher.stop(), receiver.stop()]);
});

const statuses = (caseId: string) => recorder.envelopes('tickets.deliveries', caseId).map((e) => e.payload as unknown as DeliveryStatus);
const received = (deliveryId: string) => receiver.webhooks.filter((w) => w.deliveryId === deliveryId);

it('signs every delivery so the receiver can verify it, retries 5xx with backoff, and a tampered body fails verification', async () => {
  const t = ticketEvent(`hd-wh-${run}`, `WH-${run}`, { source: 'freshdesk' });
  const caseId = await publisher.ticket(t);
  receiver.addFault({ method: 'POST', path: '/_reference/webhooks', status: 503, count: 2 });
  await publisher.send('tickets.replies', publisher.envelope('tickets.replies', t, {
    source: t.source, externalId: t.externalId, to: t.requester.email, subject: `Re: ${t.subject}`, body: 'We flushed your cache.', evidenceCount: 1, run: 1,
  }));
  const id = deliveryIdFor(caseId, 1, 'reply');
  const delivered = await waitFor('the delivered status', () => statuses(caseId).find((s) => s.status === 'delivered'), 30_000);

  expect(delivered).toMatchObject({ deliveryId: id, target: 'webhook', attempts: 1 });
  const posts = received(id);
  // Two 503s, then accepted: three POSTs of the same event, each signed afresh, each verified by the receiver.
  expect(posts).toHaveLength(3);
  expect(posts.every((p) => p.verified)).toBe(true);
  expect(new Set(posts.map((p) => p.rawBody)).size).toBe(1);
  expect(Date.parse(posts[2]!.at) - Date.parse(posts[1]!.at)).toBeGreaterThanOrEqual(400); // 200 ms, then 400 ms
  expect(posts[0]!.body).toMatchObject({
    id, type: 'case.reply', caseId, tenantId: t.tenantId, run: 1, ticket: { source: 'freshdesk', externalId: t.externalId },
    reply: { body: 'We flushed your cache.', status: 'solved', evidenceCount: 1 },
  });

  const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'contracts', 'helpdesk-webhook-event.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  expect(validate(posts[0]!.body)).toBe(true);

  // What a receiver does: recompute over the raw bytes. One changed byte, and it fails.
  const p = posts[2]!;
  const check = (rawBody: string) => verifyWebhookSignature({ secret: ZD.egressSecret, signature: p.signature, timestamp: p.timestamp, rawBody, maxSkewSeconds: 300 });
  expect(check(p.rawBody)).toEqual({ ok: true });
  expect(check(p.rawBody.replace('We flushed your cache.', 'We refunded $5000.'))).toEqual({ ok: false, reason: 'signature does not match' });
  expect(verifyWebhookSignature({ secret: 'another-secret-0123456789-0123456789', signature: p.signature, timestamp: p.timestamp, rawBody: p.rawBody, maxSkewSeconds: 300 }).ok).toBe(false);
});

it('carries escalations and notes with the route and the rendered handoff', async () => {
  const t = ticketEvent(`hd-wh-${run}`, `WH2-${run}`, { source: 'jira' });
  const caseId = await publisher.ticket(t);
  await publisher.send('tickets.outcomes', publisher.envelope('tickets.outcomes', t, {
    status: 'ESCALATED', mode: 'autonomous', intent: 'refund', reason: 'the resolver escalated: needs a human', summary: 'Refund', verified: false,
    handoff: { reason: 'the resolver escalated: needs a human', breaker: 'resolver_escalated', asked: 'Refund $250', findings: [{ agent: 'resolver', summary: 'duplicate charge' }], tried: [], counters: { iterations: 3 } },
    ticket: { source: 'jira', externalId: t.externalId }, run: 1,
  }));
  const id = deliveryIdFor(caseId, 1, 'escalation');
  await waitFor('the escalation webhook', () => received(id).length > 0, 30_000);

  expect(received(id)[0]!.body).toMatchObject({
    type: 'case.escalation',
    escalation: { status: 'ESCALATED', route: { group: '42', tags: ['escalated'] }, handoff: { breaker: 'resolver_escalated' }, note: expect.stringContaining('Customer asked: Refund $250') },
  });
});

it('dead-letters a delivery the receiver refuses (4xx) and reports it failed', async () => {
  const t = ticketEvent(`hd-wh-${run}`, `WH3-${run}`, { source: 'servicenow' });
  const caseId = await publisher.ticket(t);
  receiver.addFault({ method: 'POST', path: '/_reference/webhooks', status: 400 });
  await publisher.send('tickets.replies', publisher.envelope('tickets.replies', t, {
    source: t.source, externalId: t.externalId, to: t.requester.email, subject: 'Re', body: 'Done.', evidenceCount: 1, run: 1,
  }));
  const failed = await waitFor('the failed status', () => statuses(caseId).find((s) => s.status === 'failed'), 30_000);
  expect(failed.reason).toMatchObject({ code: 'HELPDESK.REJECTED', message: expect.stringContaining('400') });
  await waitFor('the dead letter', () => recorder.deadLetters('tickets.replies', caseId).length === 1);
});
