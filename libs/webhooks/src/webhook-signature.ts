import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signing scheme shared by Zendesk's webhooks (inbound) and Switchboard's own webhook egress (outbound):
 * `signature = base64(HMAC-SHA256(secret, timestamp + rawBody))`, sent with the timestamp in a second header.
 * One implementation for both directions, so a receiver's check and our check cannot drift apart.
 */
export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Signs `rawBody` sent at `timestamp` (any string the receiver also gets, e.g. an ISO date).
 *
 * @example
 * const timestamp = new Date().toISOString();
 * const signature = signWebhook('whsec-0123456789abcdef', timestamp, JSON.stringify(body));
 * await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'x-switchboard-signature': signature, 'x-switchboard-signature-timestamp': timestamp } });
 */
export function signWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

/**
 * Checks a signature over the raw bytes received, in constant time, and refuses timestamps more than
 * `maxSkewSeconds` away from now (replays). `names` only shapes the reason ("missing X-Zendesk-… header").
 *
 * @example
 * const verdict = verifyWebhookSignature({ secret, signature: req.header('x-zendesk-webhook-signature'),
 *   timestamp: req.header('x-zendesk-webhook-signature-timestamp'), rawBody: req.rawBody!, maxSkewSeconds: 300 });
 * if (!verdict.ok) throw new UnauthorizedException(verdict.reason);
 */
export function verifyWebhookSignature(options: {
  secret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer | string;
  maxSkewSeconds: number;
  now?: Date;
  names?: { signature: string; timestamp: string };
}): SignatureVerdict {
  const { secret, signature, timestamp, rawBody } = options;
  const names = options.names ?? { signature: 'X-Zendesk-Webhook-Signature', timestamp: 'X-Zendesk-Webhook-Signature-Timestamp' };
  if (!signature || !timestamp) return { ok: false, reason: `missing ${names.signature} or ${names.timestamp} header` };
  const sentAt = Date.parse(timestamp);
  if (Number.isNaN(sentAt)) return { ok: false, reason: 'signature timestamp is not a date' };
  const skew = Math.abs((options.now ?? new Date()).getTime() - sentAt) / 1000;
  if (skew > options.maxSkewSeconds) return { ok: false, reason: `signature timestamp is ${Math.round(skew)} s away from now` };
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody), 'base64');
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

/** A received Zendesk webhook request as far as its signature goes (Express's request fits). */
export interface ZendeskWebhookRequest {
  header(name: string): string | undefined;
  rawBody?: Buffer;
}

/**
 * Zendesk's webhook signature check for a receiver (the ingress's ticket webhook and the helpdesk's signal webhook):
 * its two headers over the raw body; without a configured secret every request is refused, never let through.
 *
 * @example
 * const verdict = verifyZendeskWebhook(req, { secret: config.ZENDESK_WEBHOOK_SECRET, maxSkewSeconds: config.ZENDESK_MAX_SKEW_SECONDS });
 * if (!verdict.ok) throw new UnauthorizedException({ code: 'INGRESS.SIGNATURE_INVALID', message: verdict.reason });
 */
export function verifyZendeskWebhook(req: ZendeskWebhookRequest, options: { secret: string | undefined; maxSkewSeconds: number; now?: Date }): SignatureVerdict {
  if (!options.secret) return { ok: false, reason: 'ZENDESK_WEBHOOK_SECRET is not configured' };
  return verifyWebhookSignature({
    secret: options.secret,
    signature: req.header('x-zendesk-webhook-signature'),
    timestamp: req.header('x-zendesk-webhook-signature-timestamp'),
    rawBody: req.rawBody ?? Buffer.alloc(0),
    maxSkewSeconds: options.maxSkewSeconds,
    ...(options.now ? { now: options.now } : {}),
  });
}
