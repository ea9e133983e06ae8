// The ingress places tickets by the tenant registry and redacts credentials before publishing, over real HTTP and the
// real Kafka broker (read back with an independent consumer). Real: ingress app, Kafka. Doubles: none.
import { createHmac } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { INTAKE_HEADER, TOPICS } from '@switchboard/contracts';
import { CREDENTIAL_DETECTORS_VERSION, loadConfig } from '@switchboard/observability';
import { parseTenantRegistry } from '@switchboard/tenancy';
import { TEST_KAFKA_BROKERS } from '../../../test/support/env';
import { waitFor } from '../../../test/support/stack';
import { tailTopics } from '../../../test/support/topic-tail';
import { createIngressApp } from '../src/ingress.app';
import { IngressConfigSchema } from '../src/ingress.config';

jest.setTimeout(60_000);

const API_KEY = 'ingress-tenancy-key-0123456789';
const ZENDESK_SECRET = 'zendesk-tenancy-secret-0123456789';
const run = Date.now().toString(36);
const REGISTRY = `
version: 1
unknownTenant: refuse
regionMismatch: correct
tenants:
  acme-eu: { region: eu-sovereign, zendesk: { organizations: ['360001'], brands: ['9001'] } }
  globex: { region: us-east-1 }
`;
const apps: INestApplication[] = [];
const urls: Record<'correcting' | 'strict' | 'euOnly' | 'limited', string> = { correcting: '', strict: '', euOnly: '', limited: '' };
/** Tickets per tenant per minute on the `limited` ingress. */
const ALLOWANCE = 3;
let consumer: Consumer;
const published: Array<Record<string, any>> = [];

const ticket = (n: string, over: Record<string, unknown> = {}) => ({
  externalId: `TEN-${run}-${n}`, source: 'api', tenantId: 'acme-eu', region: 'eu-sovereign', requester: { email: 'anna@acme-eu.example' },
  subject: 'Dashboard blank', body: 'It is blank.', receivedAt: '2026-11-21T10:00:00Z', ...over,
});
const post = (base: string, path: string, raw: string, headers: Record<string, string>) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
const postTicket = (base: string, body: unknown) => post(base, '/tickets', JSON.stringify(body), { 'x-api-key': API_KEY });
const postZendesk = (raw: string) => {
  const timestamp = new Date().toISOString();
  return post(urls.correcting, '/webhooks/zendesk', raw, {
    'x-zendesk-webhook-signature': createHmac('sha256', ZENDESK_SECRET).update(timestamp + raw).digest('base64'), 'x-zendesk-webhook-signature-timestamp': timestamp,
  });
};
const find = (externalId: string) => published.find((p) => p.externalId === externalId);
/** Proves a refused ticket was never published: a ticket sent after it arrives, and it is still absent. */
async function expectNotPublished(externalId: string): Promise<void> {
  const marker = ticket(`after-${externalId}`);
  expect((await postTicket(urls.correcting, marker)).status).toBe(202);
  await waitFor('a later ticket', async () => find(marker.externalId));
  expect(find(externalId)).toBeUndefined();
}

beforeAll(async () => {
  const start = async (registryText: string, served: string, extra: Record<string, string> = {}) => {
    const config = loadConfig(IngressConfigSchema, {
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','), INGRESS_API_KEYS: API_KEY, ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET, LOG_LEVEL: 'error', TENANT_SERVED_REGIONS: served, ...extra,
    });
    const app = await createIngressApp(config, parseTenantRegistry(registryText, config.TENANT_SERVED_REGIONS));
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  };
  urls.correcting = await start(REGISTRY, '');
  urls.strict = await start(REGISTRY.replace('regionMismatch: correct', 'regionMismatch: refuse'), '');
  urls.euOnly = await start(REGISTRY, 'eu-sovereign');
  urls.limited = await start(REGISTRY, '', { INGRESS_TENANT_MAX_PER_MINUTE: String(ALLOWANCE) });
  // From the topic's current end: the records other suites left there are not this suite's business.
  consumer = await tailTopics('ingress-tenancy-test', [TOPICS.ticketsIngress], (_topic, message) => {
    try {
      const value = JSON.parse(message.value?.toString() ?? '') as Record<string, unknown>;
      // The intake findings travel beside the ticket, in a header (not part of the public ticket format).
      const intake = message.headers?.[INTAKE_HEADER]?.toString();
      if (String(value?.externalId ?? '').includes(run)) published.push({ ...value, ...(intake ? { intakeHeader: JSON.parse(intake) } : {}) });
    } catch {
      // other suites' deliberately malformed records
    }
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  for (const app of apps) await app.close();
});

describe('region from the server', () => {
  it('corrects a ticket that claims another region for a mapped tenant: it is published in the tenant region', async () => {
    const body = ticket('claim-us', { region: 'us-east-1' });
    expect((await postTicket(urls.correcting, body)).status).toBe(202);
    const got = await waitFor('the corrected ticket', async () => find(body.externalId));
    expect(got.region).toBe('eu-sovereign');
    // What the registry changed goes with it, for the case's verdict ledger, with the registry's version.
    expect(got.intakeHeader).toEqual({ region: { claimed: 'us-east-1', placed: 'eu-sovereign', ruleVersion: expect.stringMatching(/^tenant-registry:[0-9a-f]{12}$/) } });
    const plain = ticket('claim-eu');
    expect((await postTicket(urls.correcting, plain)).status).toBe(202);
    expect(await waitFor('the unchanged ticket', async () => find(plain.externalId))).not.toHaveProperty('intakeHeader');
  });

  it('refuses the contradicted claim with 422 TENANT.REGION_MISMATCH when the registry says refuse, and publishes nothing', async () => {
    const body = ticket('claim-us-strict', { region: 'us-east-1' });
    const res = await postTicket(urls.strict, body);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual(expect.objectContaining({ code: 'TENANT.REGION_MISMATCH', message: expect.stringContaining('eu-sovereign') }));
    await expectNotPublished(body.externalId);
  });

  it('refuses a tenant the registry does not know (422 TENANT.UNKNOWN), whatever region it claims', async () => {
    const body = ticket('unknown', { tenantId: 'umbrella', region: 'us-east-1' });
    const res = await postTicket(urls.correcting, body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('TENANT.UNKNOWN');
    await expectNotPublished(body.externalId);
  });

  it('refuses a tenant whose region this deployment does not serve (422 TENANT.REGION_NOT_SERVED)', async () => {
    const body = ticket('not-served', { tenantId: 'globex', region: 'us-east-1' });
    const res = await postTicket(urls.euOnly, body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('TENANT.REGION_NOT_SERVED');
    expect((await postTicket(urls.euOnly, ticket('served'))).status).toBe(202);
    await expectNotPublished(body.externalId);
  });

  const zendesk = (id: string, organization: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({
    ticket: { id, subject: 'Locked out', description: 'I cannot log in', requester: { email: 'anna@acme-eu.example' }, organization, ...extra },
  });

  it('maps a Zendesk ticket to its tenant by organisation id or brand, in the tenant region', async () => {
    expect((await postZendesk(zendesk(`ZDT-${run}-org`, { id: 360001, name: 'Acme' }))).status).toBe(202);
    expect((await postZendesk(zendesk(`ZDT-${run}-brand`, {}, { brand_id: '9001' }))).status).toBe(202);
    for (const id of [`ZDT-${run}-org`, `ZDT-${run}-brand`]) {
      const got = await waitFor(`Zendesk ticket ${id}`, async () => find(id));
      expect(got).toEqual(expect.objectContaining({ tenantId: 'acme-eu', region: 'eu-sovereign', source: 'zendesk' }));
    }
  });

  it('no longer places an unmapped Zendesk organisation in us-east-1: it is refused', async () => {
    const res = await postZendesk(zendesk(`ZDT-${run}-unmapped`, { external_id: 'umbrella' }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('TENANT.UNKNOWN');
    await expectNotPublished(`ZDT-${run}-unmapped`);
  });
});

it('redacts credentials from the ticket before publishing it', async () => {
  const body = ticket('secret', { subject: 'Login: my password is hunter2', body: 'Mein Passwort lautet Sommer2024! and the API token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' });
  expect((await postTicket(urls.correcting, body)).status).toBe(202);
  const got = await waitFor('the redacted ticket', async () => find(body.externalId));
  expect(JSON.stringify(got)).not.toMatch(/hunter2|Sommer2024|ghp_aBcDeF/);
  expect(got.subject).toBe('Login: my password is [REDACTED:password]');
  expect(got.intakeHeader).toEqual({ redacted: { count: 3, kinds: ['api_key', 'password'], ruleVersion: CREDENTIAL_DETECTORS_VERSION } });
});

describe('per-tenant allowance', () => {
  it('answers 429 with Retry-After to a tenant over its allowance, publishes nothing of it, and still accepts other tenants', async () => {
    const accepted = [];
    for (let i = 0; i < ALLOWANCE; i++) accepted.push((await postTicket(urls.limited, ticket(`allow-${i}`))).status);
    expect(accepted).toEqual(Array(ALLOWANCE).fill(202));
    const over = ticket('allow-over');
    const res = await postTicket(urls.limited, over);
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await res.json()).toEqual(expect.objectContaining({ code: 'INGRESS.TENANT_RATE_LIMITED', retryAfterSeconds: retryAfter }));
    const other = ticket('allow-other', { tenantId: 'globex', region: 'us-east-1' });
    expect((await postTicket(urls.limited, other)).status).toBe(202);
    await waitFor('the other tenant\'s ticket', async () => find(other.externalId));
    expect(find(over.externalId)).toBeUndefined();
  });
});
