import { signWebhook, verifyWebhookSignature, verifyZendeskWebhook } from './webhook-signature';

const secret = 'whsec-test-0123456789abcdef';
const now = new Date('2026-11-21T10:00:00Z');
const body = Buffer.from('{"ticket":{"id":"42"}}');

describe('webhook signature', () => {
  const timestamp = now.toISOString();
  const signature = signWebhook(secret, timestamp, body);

  it('accepts what it signed, over the same bytes and timestamp', () => {
    expect(verifyWebhookSignature({ secret, signature, timestamp, rawBody: body, maxSkewSeconds: 300, now })).toEqual({ ok: true });
  });

  it('is HMAC-SHA256 over timestamp + body, base64 (Zendesk scheme)', () => {
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    expect(signature).toBe(createHmac('sha256', secret).update(timestamp + body.toString()).digest('base64'));
  });

  it('refuses a tampered body, another secret, a missing header and a stale timestamp, each with its reason', () => {
    const verify = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret, signature, timestamp, rawBody: body, maxSkewSeconds: 300, now, ...over });
    expect(verify({ rawBody: Buffer.from('{"ticket":{"id":"43"}}') })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ secret: 'another-secret-0123456789' })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ signature: undefined })).toMatchObject({ ok: false, reason: expect.stringContaining('missing X-Zendesk-Webhook-Signature') });
    expect(verify({ signature: 'short' })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verify({ now: new Date(now.getTime() + 301_000) })).toEqual({ ok: false, reason: 'signature timestamp is 301 s away from now' });
    expect(verify({ timestamp: 'yesterday' })).toEqual({ ok: false, reason: 'signature timestamp is not a date' });
    expect(verify({ signature: undefined, names: { signature: 'X-Switchboard-Signature', timestamp: 'X-Switchboard-Signature-Timestamp' } }))
      .toMatchObject({ reason: 'missing X-Switchboard-Signature or X-Switchboard-Signature-Timestamp header' });
  });

  it('reads a Zendesk request\'s two headers and raw body, and refuses everything without a configured secret', () => {
    const headers: Record<string, string> = { 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': timestamp };
    const req = (h: Record<string, string>, rawBody?: Buffer) => ({ header: (name: string) => h[name.toLowerCase()], ...(rawBody ? { rawBody } : {}) });
    expect(verifyZendeskWebhook(req(headers, body), { secret, maxSkewSeconds: 300, now })).toEqual({ ok: true });
    expect(verifyZendeskWebhook(req(headers), { secret, maxSkewSeconds: 300, now })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyZendeskWebhook(req({}, body), { secret, maxSkewSeconds: 300, now })).toMatchObject({ ok: false, reason: expect.stringContaining('missing X-Zendesk-Webhook-Signature') });
    expect(verifyZendeskWebhook(req(headers, body), { secret: undefined, maxSkewSeconds: 300, now })).toEqual({ ok: false, reason: 'ZENDESK_WEBHOOK_SECRET is not configured' });
    expect(verifyZendeskWebhook(req(headers, body), { secret: '', maxSkewSeconds: 300, now })).toEqual({ ok: false, reason: 'ZENDESK_WEBHOOK_SECRET is not configured' });
  });
});
