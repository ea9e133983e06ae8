import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from '../supervisor.config';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Case data needs a key from SUPERVISOR_API_KEYS (`Authorization: Bearer …` or `X-Api-Key`). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers['x-api-key'];
    const presented = (Array.isArray(header) ? header[0] : header) ?? /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // Compare against every key (hashed, constant time) so timing says nothing about which one matched.
    let ok = false;
    for (const key of this.config.SUPERVISOR_API_KEYS) ok = (presented !== undefined && timingSafeEqual(digest(presented), digest(key))) || ok;
    if (!ok) throw new UnauthorizedException({ code: 'SUPERVISOR.UNAUTHORIZED', message: 'send a supervisor API key as Authorization: Bearer <key>' });
    return true;
  }
}
