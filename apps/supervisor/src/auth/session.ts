import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from './actor';

interface SessionClaims {
  u: string;
  r: Actor['role'];
  exp: number;
}

export const SESSION_COOKIE = 'sb_session';

/**
 * Stateless console sessions: `base64url(claims).base64url(HMAC-SHA256)`. Sign-out clears the cookie; a stolen cookie
 * stays valid until `exp`, which is why the lifetime is bounded by SUPERVISOR_SESSION_TTL_SECONDS.
 */
export class SessionCodec {
  private readonly key: Buffer;

  constructor(secret: string | undefined, private readonly ttlSeconds: number, private readonly clock: () => number = Date.now) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  issue(actor: Actor): { value: string; expiresAt: Date } {
    const exp = Math.floor(this.clock() / 1000) + this.ttlSeconds;
    const body = Buffer.from(JSON.stringify({ u: actor.userId, r: actor.role, exp } satisfies SessionClaims)).toString('base64url');
    return { value: `${body}.${this.sign(body)}`, expiresAt: new Date(exp * 1000) };
  }

  /** The actor of a valid, unexpired cookie value; undefined for anything else. */
  verify(value: string | undefined): Actor | undefined {
    if (!value || value.length > 1024) return undefined;
    const [body, mac, extra] = value.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SessionClaims>;
      if (typeof claims.u !== 'string' || (claims.r !== 'supervisor' && claims.r !== 'viewer') || typeof claims.exp !== 'number') return undefined;
      if (claims.exp * 1000 <= this.clock()) return undefined;
      return { userId: claims.u, role: claims.r, via: 'session' };
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The value of one cookie from a Cookie header (no cookie-parser dependency for a single cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}
