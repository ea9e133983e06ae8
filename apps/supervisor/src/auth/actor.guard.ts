import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from '../supervisor.config';
import { PUBLIC_ROUTE, REQUIRED_ROLE, type Actor, type ActorRequest } from './actor';
import { readCookie, SESSION_COOKIE, SessionCodec } from './session';

const digest = (s: string) => createHash('sha256').update(s).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-requested-with';

const csrfError = () => new ForbiddenException({ code: 'SUPERVISOR.CSRF', message: 'state-changing console requests must send the X-Requested-With header' });

/**
 * Every /v1 route: an API key (`Authorization: Bearer …` / `X-Api-Key`, role supervisor) or a console session cookie.
 * Cookie requests that change state must also send `X-Requested-With` (a header a cross-site form cannot set; with
 * SameSite=Strict this is defence in depth). Routes marked {@link RequireSupervisor} refuse a viewer with 403.
 */
@Injectable()
export class ActorGuard implements CanActivate {
  constructor(
    @Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig,
    @Inject(SessionCodec) private readonly sessions: SessionCodec,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<ActorRequest>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      // Sign-in and sign-out too: no cross-site form may sign a browser in or out.
      if (!SAFE_METHODS.has(req.method) && !req.headers[CSRF_HEADER]) throw csrfError();
      return true;
    }
    const actor = this.fromApiKey(req) ?? this.fromSession(req);
    if (!actor) {
      throw new UnauthorizedException({ code: 'SUPERVISOR.UNAUTHORIZED', message: 'sign in to the console, or send a supervisor API key as Authorization: Bearer <key>' });
    }
    if (actor.via === 'session' && !SAFE_METHODS.has(req.method) && !req.headers[CSRF_HEADER]) {
      throw csrfError();
    }
    const required = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ROLE, targets);
    if (required && actor.role !== required) {
      throw new ForbiddenException({ code: 'SUPERVISOR.FORBIDDEN', message: `only a ${required} may do this; you are signed in as ${actor.role}` });
    }
    req.actor = actor;
    return true;
  }

  private fromApiKey(req: ActorRequest): Actor | undefined {
    const header = req.headers['x-api-key'];
    const presented = (Array.isArray(header) ? header[0] : header) ?? /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented === undefined) return undefined;
    // Compare against every key (hashed, constant time) so timing says nothing about which one matched.
    let matched: string | undefined;
    for (const key of this.config.SUPERVISOR_API_KEYS) if (timingSafeEqual(digest(presented), digest(key))) matched ??= key;
    if (!matched) throw new UnauthorizedException({ code: 'SUPERVISOR.UNAUTHORIZED', message: 'unknown API key' });
    // Decisions are attributed to the key (by a fingerprint, never the key itself).
    return { userId: `api-key:${digest(matched).toString('hex').slice(0, 12)}`, role: 'supervisor', via: 'api_key' };
  }

  private fromSession(req: ActorRequest): Actor | undefined {
    const actor = this.sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
    // A session of a user removed from the config (or demoted) ends at once.
    const user = actor && this.config.SUPERVISOR_CONSOLE_USERS.find((u) => u.username === actor.userId);
    return user ? { userId: user.username, role: user.role, via: 'session' } : undefined;
  }
}
