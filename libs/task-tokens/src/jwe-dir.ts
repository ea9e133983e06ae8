import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Compact JWE (RFC 7516) with `alg: dir`, `enc: A256GCM` only, on node:crypto, for the same reason as jwt-hs256.ts
// (jose v6 is ESM-only); tokens stay standard JWEs that jose decrypts (see task-token.spec.ts).
const HEADER = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })).toString('base64url');

/**
 * The content-encryption key of task tokens: HKDF-SHA256 of GATEWAY_TOKEN_SECRET, so one configured secret gives
 * separate keys for signing (HMAC) and encrypting (AES-256-GCM).
 */
export function taskTokenEncryptionKey(secret: string): Buffer {
  // Derived once per secret: the supervisor seals and the gateway opens a token per task, and HKDF was a measurable
  // share of both (about 1 % of the supervisor's CPU). The cache holds keys of the few secrets a process is given
  // (today one), never grows past KEY_CACHE_SIZE, and returns copies so no caller can alter a cached key.
  let key = derivedKeys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('switchboard-task-token', 'utf8'), Buffer.from('A256GCM content encryption', 'utf8'), 32));
    if (derivedKeys.size >= KEY_CACHE_SIZE) derivedKeys.delete(derivedKeys.keys().next().value!);
    derivedKeys.set(secret, key);
  }
  return Buffer.from(key);
}

const KEY_CACHE_SIZE = 4;
const derivedKeys = new Map<string, Buffer>();

export function encryptDir(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The protected header is the additional authenticated data (RFC 7516 §5.1 step 14).
  cipher.setAAD(Buffer.from(HEADER, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${HEADER}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

export type JweFailure = 'malformed' | 'algorithm' | 'decryption';

/** The plaintext of a compact `dir`/`A256GCM` JWE, or why there is none. */
export function decryptDir(token: string, key: Buffer): { plaintext: string } | { failure: JweFailure } {
  const parts = token.split('.');
  if (parts.length !== 5 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { failure: 'malformed' };
  const [header, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  let parsed: { alg?: unknown; enc?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown; enc?: unknown };
  } catch {
    return { failure: 'malformed' };
  }
  if (parsed?.alg !== 'dir' || parsed?.enc !== 'A256GCM' || encryptedKey !== '') return { failure: 'algorithm' };
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) return { failure: 'malformed' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
    decipher.setAAD(Buffer.from(header, 'ascii'));
    decipher.setAuthTag(tagBytes);
    return { plaintext: Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8') };
  } catch {
    return { failure: 'decryption' };
  }
}
