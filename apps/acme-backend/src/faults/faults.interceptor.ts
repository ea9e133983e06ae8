import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, map, mergeMap, type Observable } from 'rxjs';
import { AcmeError } from '../acme.errors';
import { FaultsService } from './faults.service';

/** Applies injected faults to API operations (named by handler) and counts the calls that reach a handler. */
@Injectable()
export class FaultsInterceptor implements NestInterceptor {
  constructor(private readonly faults: FaultsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const fault = this.faults.onCall(context.getHandler().name);
    if (!fault) return next.handle();
    const delay = new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    return from(delay).pipe(
      mergeMap(() => {
        switch (fault.mode) {
          case 'unavailable': throw new AcmeError(503, 'UNAVAILABLE', 'service temporarily unavailable (injected fault)');
          case 'error': throw new AcmeError(500, 'INTERNAL', 'internal error (injected fault)');
          case 'unauthorized': throw new AcmeError(401, 'UNAUTHORIZED', 'API key revoked (injected fault)');
          case 'malformed':
            context.switchToHttp().getResponse<Response>().type('text/html');
            return from(['<html><body>502 Bad Gateway</body></html>']);
          case 'wrong_schema':
            return next.handle().pipe(map(() => ({ ok: true, data: 'unexpected shape (injected fault)' })));
          case 'slow':
            return next.handle();
        }
      }),
    );
  }
}
