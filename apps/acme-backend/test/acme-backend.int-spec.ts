// Real: Acme Nest app over HTTP on an ephemeral port, Postgres acme_test. Doubles: none.
import { ACME_SEED } from '../src/seed';
import { startAcme, type RunningAcme } from './acme-harness';

jest.setTimeout(60_000);

describe('acme backend (real HTTP + Postgres)', () => {
  let acme: RunningAcme;

  beforeAll(async () => {
    acme = await startAcme();
  }, 120_000);
  afterAll(async () => {
    await acme?.close();
  });
  beforeEach(async () => {
    await acme.reseed();
  });

  it('answers health without a key and rejects API calls without or with a wrong key (401)', async () => {
    expect((await fetch(`${acme.url}/health/ready`)).status).toBe(200);
    const none = await fetch(`${acme.url}/tenants/globex`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'UNAUTHORIZED', message: 'missing or invalid X-Api-Key' });
    expect((await acme.call('GET', '/tenants/globex', undefined, { 'x-api-key': 'wrong-key-wrong-key' })).status).toBe(401);
  });

  it('serves the seeded scenario: acme-eu has a blank dashboard because the cache went stale after new-dashboard', async () => {
    const tenant = await acme.call('GET', '/tenants/acme-eu');
    expect(tenant.body).toMatchObject({ id: 'acme-eu', region: 'eu-sovereign', dashboard: 'blank' });
    expect((await acme.call('GET', '/tenants/acme-eu/feature-flags/new-dashboard')).body).toMatchObject({ enabled: true });
    expect((await acme.call('GET', '/tenants/acme-eu/cache')).body).toMatchObject({ status: 'stale' });
    const reset = await acme.call('POST', '/tenants/acme-eu/cache/reset');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ status: 'fresh', version: 42 });
    expect((await acme.call('GET', '/tenants/acme-eu')).body.dashboard).toBe('ok');
    expect((await acme.call('GET', '/tenants/acme-eu/events')).body.events[0]).toMatchObject({ kind: 'cache.reset' });
  });

  it('answers 404 for an unknown tenant, invoice, user or flag', async () => {
    expect((await acme.call('GET', '/tenants/nope')).body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await acme.call('GET', '/tenants/nope')).status).toBe(404);
    expect((await acme.call('GET', '/tenants/globex/invoices/inv_acme_eu_2401')).status).toBe(404);
    expect((await acme.call('GET', '/tenants/globex/user?email=nobody@globex.example')).status).toBe(404);
    expect((await acme.call('PUT', '/tenants/globex/feature-flags/unknown-flag', { enabled: true })).status).toBe(404);
  });

  it('refunds a paid invoice up to its remainder, never more, never an unpaid one', async () => {
    const { tenantId, invoiceId } = ACME_SEED.paidInvoice;
    const ok = await acme.call('POST', `/tenants/${tenantId}/invoices/${invoiceId}/refunds`, { amount: 200, reason: 'duplicate charge' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ amount: 200, remaining: 50, currency: 'USD' });
    const tooMuch = await acme.call('POST', `/tenants/${tenantId}/invoices/${invoiceId}/refunds`, { amount: 50.01, reason: 'more' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('REFUND_EXCEEDS_REMAINING');
    const unpaid = await acme.call('POST', `/tenants/globex/invoices/${ACME_SEED.openInvoice.invoiceId}/refunds`, { amount: 1, reason: 'x1' });
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.code).toBe('INVOICE_NOT_PAID');
    const cents = await acme.call('POST', `/tenants/${tenantId}/invoices/${invoiceId}/refunds`, { amount: 0.001, reason: 'fraction' });
    expect(cents.body.code).toBe('INVALID_AMOUNT');
    const invoice = await acme.call('GET', `/tenants/${tenantId}/invoices/${invoiceId}`);
    expect(invoice.body).toMatchObject({ refundedTotal: 200, remaining: 50, refunds: [{ amount: 200, reason: 'duplicate charge' }] });
  });

  it('enforces Idempotency-Key: a repeated write returns the first response; a reused key with other data is refused', async () => {
    const { tenantId, invoiceId } = ACME_SEED.paidInvoice;
    const path = `/tenants/${tenantId}/invoices/${invoiceId}/refunds`;
    const first = await acme.call('POST', path, { amount: 10, reason: 'goodwill' }, { 'idempotency-key': 'k-123' });
    const again = await acme.call('POST', path, { amount: 10, reason: 'goodwill' }, { 'idempotency-key': 'k-123' });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await acme.call('POST', path, { amount: 11, reason: 'goodwill' }, { 'idempotency-key': 'k-123' });
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await acme.call('GET', `/tenants/${tenantId}/invoices/${invoiceId}`)).body.refunds).toHaveLength(1);
  });

  it('extends trials by at most 30 days and never a converted one', async () => {
    const before = (await acme.call('GET', '/tenants/initech/trial')).body;
    expect(before.status).toBe('active');
    expect((await acme.call('POST', '/tenants/initech/trial/extend', { days: 31 })).body.code).toBe('TRIAL_EXTENSION_TOO_LONG');
    const ok = await acme.call('POST', '/tenants/initech/trial/extend', { days: 14, reason: 'evaluation delayed' });
    expect(ok.status).toBe(200);
    const expected = new Date(Date.parse(`${before.endsOn}T00:00:00Z`) + 14 * 86_400_000).toISOString().slice(0, 10);
    expect(ok.body).toMatchObject({ status: 'active', endsOn: expected, extensions: 1, lastExtensionDays: 14 });
    const converted = await acme.call('POST', '/tenants/globex/trial/extend', { days: 5 });
    expect(converted.status).toBe(409);
    expect(converted.body.code).toBe('TRIAL_CONVERTED');
  });

  it('unlocks only locked accounts', async () => {
    const { tenantId, email } = ACME_SEED.lockedUser;
    expect((await acme.call('GET', `/tenants/${tenantId}/user?email=${email}`)).body).toMatchObject({ locked: true, failedAttempts: 5 });
    const ok = await acme.call('POST', `/tenants/${tenantId}/users/unlock`, { email });
    expect(ok.body).toMatchObject({ locked: false, failedAttempts: 0 });
    const again = await acme.call('POST', `/tenants/${tenantId}/users/unlock`, { email });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ACCOUNT_NOT_LOCKED');
  });

  it('toggling a flag marks the cache stale', async () => {
    const res = await acme.call('PUT', '/tenants/globex/feature-flags/new-dashboard', { enabled: true });
    expect(res.body).toMatchObject({ flag: 'new-dashboard', enabled: true });
    expect((await acme.call('GET', '/tenants/globex/cache')).body.status).toBe('stale');
  });

  it('rejects malformed and invalid bodies with 400', async () => {
    const malformed = await acme.call('POST', '/tenants/globex/users/unlock', '{"email":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const invalid = await acme.call('POST', '/tenants/globex/users/unlock', { email: 'not-an-email' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
  });

  it('injects faults for chaos tests and counts calls per operation', async () => {
    await acme.call('POST', '/admin/faults', { operation: 'getCache', mode: 'unavailable', times: 1 });
    expect((await acme.call('GET', '/tenants/globex/cache')).status).toBe(503);
    expect((await acme.call('GET', '/tenants/globex/cache')).status).toBe(200);
    await acme.call('POST', '/admin/faults', { operation: 'getTenant', mode: 'malformed' });
    const malformed = await acme.call('GET', '/tenants/globex');
    expect(malformed.status).toBe(200);
    expect(malformed.headers.get('content-type')).toMatch(/text\/html/);
    await acme.call('POST', '/admin/faults', { operation: 'getTrial', mode: 'wrong_schema' });
    expect((await acme.call('GET', '/tenants/initech/trial')).body).toEqual({ ok: true, data: 'unexpected shape (injected fault)' });
    expect((await acme.call('GET', '/admin/stats')).body.calls).toMatchObject({ getCache: 2, getTenant: 1, getTrial: 1 });
  });
});
