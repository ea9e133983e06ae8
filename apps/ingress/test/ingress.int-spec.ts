// The ingress app over real HTTP, publishing to the real Kafka broker: authenticated tickets land on tickets.ingress
// (read back with an independent consumer); everything else gets a clear 4xx and publishes nothing.
import { createHmac } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { caseIdFor, TOPICS } from '@switchboard/contracts';
import { initTracing, loadConfig } from '@switchboard/observability';
import { TEST_KAFKA_BROKERS } from '../../../test/support/env';
import { waitFor } from '../../../test/support/stack';
import { tailTopics } from '../../../test/support/topic-tail';
import { createIngressApp } from '../src/ingress.app';
import { IngressConfigSchema } from '../src/ingress.config';

jest.setTimeout(60_000);

const API_KEY = 'ingress-test-key-0123456789';
const ZENDESK_SECRET = 'zendesk-signing-secret-0123456789';
const METRICS_KEY = 'ingress-metrics-key-0123456789';
const run = Date.now().toString(36);
let app: INestApplication;
let url: string;
let consumer: Consumer;
const published: Array<{ key: string | null; value: Record<string, unknown>; traceparent?: string }> = [];

const ticket = (n: string, over: Record<string, unknown> = {}) => ({
  externalId: `ING-${run}-${n}`, source: 'api', tenantId: 'globex', region: 'us-east-1', requester: { email: 'ops@globex.example' },
  subject: 'Dashboard blank', body: 'It is blank.', receivedAt: '2026-11-21T10:00:00Z', ...over,
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
}

function zendeskHeaders(raw: string, timestamp = new Date().toISOString(), secret = ZENDESK_SECRET) {
  return {
    'x-zendesk-webhook-signature': createHmac('sha256', secret).update(timestamp + raw).digest('base64'),
    'x-zendesk-webhook-signature-timestamp': timestamp,
  };
}

const ours = () => published.filter((p) => String(p.value['externalId']).includes(run));

beforeAll(async () => {
  initTracing({ serviceName: 'ingress-test' });
  const config = loadConfig(IngressConfigSchema, {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','), INGRESS_API_KEYS: API_KEY, ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
    INGRESS_MAX_BODY_BYTES: '4096', LOG_LEVEL: 'warn', METRICS_KEY: METRICS_KEY,
  });
  app = await createIngressApp(config);
  await app.listen(0, '127.0.0.1');
  url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  // From the topic's current end: the records other suites left there are not this suite's business.
  consumer = await tailTopics('ingress-test', [TOPICS.ticketsIngress], (_topic, message) => {
    // The topic also holds other suites' deliberately malformed records; only JSON objects matter here.
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(message.value?.toString() ?? '') as Record<string, unknown>;
    } catch {
      return;
    }
    published.push({ key: message.key?.toString() ?? null, value: value ?? {}, traceparent: message.headers?.['traceparent']?.toString() });
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await app?.close();
});

it('accepts an authenticated ticket, answers 202 with its case id and publishes it keyed by case', async () => {
  const body = ticket('1');
  const res = await post('/tickets', body, { 'x-api-key': API_KEY });

  expect(res.status).toBe(202);
  const answer = (await res.json()) as { caseId: string };
  expect(answer.caseId).toBe(caseIdFor(body));
  const got = await waitFor('the published ticket', async () => ours().find((p) => p.value['externalId'] === body.externalId));
  expect(got.key).toBe(answer.caseId);
  expect(got.value).toEqual(expect.objectContaining({ subject: 'Dashboard blank', priority: 'normal', tags: [] }));
  expect(got.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
});

it('serves /metrics in the Prometheus text format to the metrics key only', async () => {
  expect((await fetch(`${url}/metrics`)).status).toBe(401);
  expect((await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${API_KEY}` } })).status).toBe(401);
  const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_KEY}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  const text = await res.text();
  expect(text).toMatch(/^switchboard_process_cpu_user_seconds_total\{service="ingress"\} \d/m);
  expect(text).toContain('# TYPE switchboard_bus_messages_total counter');
  // Nothing that names a tenant, a requester or a key.
  expect(text).not.toMatch(/globex|@example|ingress-test-key/);
});

it('accepts a Bearer key too', async () => {
  expect((await post('/tickets', ticket('2'), { authorization: `Bearer ${API_KEY}` })).status).toBe(202);
});

it.each([
  ['no key', {}],
  ['a wrong key', { 'x-api-key': 'not-the-key-000000000' }],
])('refuses %s with 401 and publishes nothing', async (_, headers) => {
  const body = ticket(`unauth-${Object.keys(headers).length}`);
  const res = await post('/tickets', body, headers as Record<string, string>);
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual(expect.objectContaining({ code: 'INGRESS.UNAUTHENTICATED' }));
  await post('/tickets', ticket('after-unauth'), { 'x-api-key': API_KEY });
  await waitFor('a later ticket', async () => ours().find((p) => p.value['externalId'] === `ING-${run}-after-unauth`));
  expect(ours().find((p) => p.value['externalId'] === body.externalId)).toBeUndefined();
});

it('explains what is wrong with a ticket that does not match the schema (422)', async () => {
  const res = await post('/tickets', ticket('bad', { requester: { email: 'nope' }, region: 'EU West' }), { 'x-api-key': API_KEY });
  expect(res.status).toBe(422);
  const body = (await res.json()) as { code: string; issues: Array<{ path: string }> };
  expect(body.code).toBe('INGRESS.TICKET_INVALID');
  expect(body.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['requester.email', 'region']));
});

it('answers malformed JSON with 400 and an oversized body with 413', async () => {
  const malformed = await post('/tickets', '{"externalId": ', { 'x-api-key': API_KEY });
  expect(malformed.status).toBe(400);
  expect(((await malformed.json()) as { code: string }).code).toBe('INGRESS.MALFORMED_JSON');
  const big = await post('/tickets', ticket('big', { body: 'x'.repeat(8000) }), { 'x-api-key': API_KEY });
  expect(big.status).toBe(413);
  expect(((await big.json()) as { code: string }).code).toBe('INGRESS.BODY_TOO_LARGE');
});

it.each([
  ['a NUL character in the body', { body: 'before\u0000after' }, 'body', /U\+0000/],
  ['an unpaired surrogate in the subject', { subject: 'half \uD83D' }, 'subject', /unpaired/],
  ['metadata nested deeper than the documented limit', { metadata: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } } }, 'metadata.a.b.c.d.e.f.g.h.i', /nested deeper than 8/],
])('refuses %s with 422 and the field, and publishes nothing (the store could not hold it)', async (_, over, path, message) => {
  const body = ticket(`unstorable-${path}`, over);
  const res = await post('/tickets', body, { 'x-api-key': API_KEY });
  expect(res.status).toBe(422);
  const answer = (await res.json()) as { code: string; issues: Array<{ path: string; message: string }> };
  expect(answer.code).toBe('INGRESS.TICKET_INVALID');
  expect(answer.issues).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  await post('/tickets', ticket(`after-unstorable-${path}`), { 'x-api-key': API_KEY });
  await waitFor('a later ticket', async () => ours().find((p) => p.value['externalId'] === `ING-${run}-after-unstorable-${path}`));
  expect(ours().find((p) => p.value['externalId'] === body.externalId)).toBeUndefined();
});

it('refuses metadata nested as deep as the body limit allows with 422, not 503 (a client would retry that forever)', async () => {
  const deep = `${'['.repeat(1_800)}${']'.repeat(1_800)}`;
  const raw = JSON.stringify(ticket('very-deep')).replace(/}$/, `,"metadata":{"x":${deep}}}`);
  const res = await fetch(`${url}/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: raw });
  expect(res.status).toBe(422);
  expect(((await res.json()) as { message: string }).message).toContain('nested deeper than 8');
});

it('refuses a Zendesk webhook whose description the store cannot hold (422)', async () => {
  const raw = JSON.stringify({
    ticket: {
      id: `ZD-${run}-nul`, subject: 'Locked out', description: 'I cannot\u0000 log in', requester: { email: 'anna@acme-eu.example' },
      organization: { external_id: 'acme-eu' },
    },
  });
  const res = await post('/webhooks/zendesk', raw, zendeskHeaders(raw));
  expect(res.status).toBe(422);
  expect(((await res.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['body']);
});

describe('Zendesk webhook', () => {
  const webhook = (id: string) => JSON.stringify({
    ticket: {
      id, subject: 'Locked out', description: 'I cannot log in', priority: 'High', tags: 'vip login', created_at: '2026-11-21T09:00:00Z',
      url: 'https://acme.zendesk.com/agent/tickets/1', requester: { email: 'anna@acme-eu.example', name: 'Anna' },
      organization: { external_id: 'acme-eu', name: 'Acme EU' },
    },
  });

  it('accepts a correctly signed webhook and normalises it (tenant region, tags, priority)', async () => {
    const raw = webhook(`ZD-${run}-1`);
    const res = await post('/webhooks/zendesk', raw, zendeskHeaders(raw));
    expect(res.status).toBe(202);
    const got = await waitFor('the Zendesk ticket', async () => ours().find((p) => p.value['externalId'] === `ZD-${run}-1`));
    expect(got.value).toEqual(expect.objectContaining({ source: 'zendesk', tenantId: 'acme-eu', region: 'eu-sovereign', priority: 'high', tags: ['vip', 'login'] }));
  });

  it.each([
    ['a forged signature', (raw: string) => zendeskHeaders(raw, new Date().toISOString(), 'some-other-secret-0000000')],
    ['a stale timestamp (replay)', (raw: string) => zendeskHeaders(raw, new Date(Date.now() - 3600_000).toISOString())],
    ['no signature', () => ({})],
  ])('refuses %s with 401', async (_, headers) => {
    const raw = webhook(`ZD-${run}-refused`);
    const res = await post('/webhooks/zendesk', raw, headers(raw));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('INGRESS.SIGNATURE_INVALID');
  });

  it('refuses a signed body that was altered after signing', async () => {
    const raw = webhook(`ZD-${run}-2`);
    const headers = zendeskHeaders(raw);
    expect((await post('/webhooks/zendesk', raw.replace('Locked out', 'Refund me'), headers)).status).toBe(401);
  });
});

it('reports ready only with a connected producer', async () => {
  const res = await fetch(`${url}/health/ready`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ready', checks: { kafka: true } });
});
