import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { JsonLogger } from '@switchboard/observability';

/**
 * Every error leaves as JSON `{ code, message }`; body-parser failures (malformed JSON, oversized bodies) become 400 /
 * 413 with a readable message instead of a bare 500.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new JsonLogger(HttpErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const status = error.getStatus();
      if (typeof body === 'object' && body !== null && 'code' in body) res.status(status).json(body);
      else if (status === HttpStatus.BAD_REQUEST) res.status(status).json({ code: 'HELPDESK.MALFORMED_JSON', message: `body is not valid JSON: ${error.message}` });
      else res.status(status).json({ code: `HTTP_${status}`, message: error.message });
      return;
    }
    const parserError = error as { type?: string; message?: string; limit?: number };
    if (parserError.type === 'entity.parse.failed') {
      res.status(HttpStatus.BAD_REQUEST).json({ code: 'HELPDESK.MALFORMED_JSON', message: `body is not valid JSON: ${parserError.message}` });
      return;
    }
    if (parserError.type === 'entity.too.large') {
      res.status(HttpStatus.PAYLOAD_TOO_LARGE).json({ code: 'HELPDESK.BODY_TOO_LARGE', message: `body exceeds ${parserError.limit} bytes` });
      return;
    }
    this.logger.error('unhandled error', { error });
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ code: 'INTERNAL', message: 'internal error' });
  }
}
