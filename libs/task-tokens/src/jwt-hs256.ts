import { createHmac, timingSafeEqual } from 'node:crypto';

// Compact JWS (RFC 7515) with HS256 only, on node:crypto. jose v6 ships ESM only, which the repo's jest
// (CommonJS transform, Node 20) cannot load; tokens stay standard JWTs that jose verifies (see task-token.spec.ts).
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${HEADER}.${body}.${sign(`${HEADER}.${body}`, secret).toString('base64url')}`;
}

export type JwtFailure = 'malformed' | 'algorithm' | 'signature';

/** Returns the payload when the signature is valid, or why it is not. Claims (exp, iat…) are the caller's business. */
export function verifyHs256(token: string, secret: string): { payload: Record<string, unknown> } | { failure: JwtFailure } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { failure: 'malformed' };
  const [header, body, signature] = parts as [string, string, string];
  let parsedHeader: unknown;
  let payload: unknown;
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { failure: 'malformed' };
  }
  // Pinning the algorithm closes the `alg: none` and algorithm-confusion holes.
  if ((parsedHeader as { alg?: unknown })?.alg !== 'HS256') return { failure: 'algorithm' };
  const expected = sign(`${header}.${body}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { failure: 'signature' };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { failure: 'malformed' };
  return { payload: payload as Record<string, unknown> };
}
