import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time regardless of the lengths involved.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Reads an API key from `X-Api-Key` or `Authorization: Bearer …` and checks it against the configured keys. */
export function apiKeyAccepted(headers: Record<string, string | string[] | undefined>, keys: readonly string[]): boolean {
  const header = headers['x-api-key'];
  const bearer = /^Bearer\s+(.+)$/i.exec(String(headers['authorization'] ?? ''))?.[1];
  const presented = (Array.isArray(header) ? header[0] : header) ?? bearer;
  if (!presented) return false;
  let ok = false;
  for (const key of keys) ok = sameSecret(presented, key) || ok;
  return ok;
}

/**
 * Zendesk's webhook signing scheme: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)),
 * with the timestamp from `X-Zendesk-Webhook-Signature-Timestamp`. Stale timestamps are refused against replays.
 */
export function zendeskSignatureValid(options: {
  secret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
  maxSkewSeconds: number;
  now?: Date;
}): { ok: true } | { ok: false; reason: string } {
  const { secret, signature, timestamp, rawBody } = options;
  if (!signature || !timestamp) return { ok: false, reason: 'missing X-Zendesk-Webhook-Signature or -Timestamp header' };
  const sentAt = Date.parse(timestamp);
  if (Number.isNaN(sentAt)) return { ok: false, reason: 'signature timestamp is not a date' };
  const skew = Math.abs((options.now ?? new Date()).getTime() - sentAt) / 1000;
  if (skew > options.maxSkewSeconds) return { ok: false, reason: `signature timestamp is ${Math.round(skew)} s away from now` };
  const expected = createHmac('sha256', secret).update(timestamp).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
