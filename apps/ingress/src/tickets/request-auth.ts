import { createHash, timingSafeEqual } from 'node:crypto';

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
