import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ACME_CONFIG, type AcmeConfig } from './acme.config';
import { AcmeError } from './acme.errors';

/** Only the holder of ACME_API_KEY (the Switchboard gateway) may call the API. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ACME_CONFIG) config: AcmeConfig) {
    this.expected = createHash('sha256').update(config.ACME_API_KEY).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers['x-api-key'];
    const given = Array.isArray(header) ? header[0] : header;
    if (!given || !timingSafeEqual(createHash('sha256').update(given).digest(), this.expected)) {
      throw new AcmeError(401, 'UNAUTHORIZED', 'missing or invalid X-Api-Key');
    }
    return true;
  }
}
