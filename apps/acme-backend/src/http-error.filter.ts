import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { JsonLogger } from '@switchboard/observability';
import { AcmeError } from './acme.errors';

/** Errors leave as `{ code, message }` with their status; body-parser failures become 400 / 413. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new JsonLogger('acme.http');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof AcmeError) {
      res.status(error.status).json({ code: error.code, message: error.message });
      return;
    }
    if (error instanceof HttpException) {
      // Nest turns body-parser SyntaxErrors (and bad %-encodings) into a plain 400 BadRequestException.
      if (error.getStatus() === 400) {
        res.status(400).json({ code: 'MALFORMED_JSON', message: `request is malformed: ${error.message}` });
        return;
      }
      res.status(error.getStatus()).json({ code: error.getStatus() === 404 ? 'NOT_FOUND' : 'HTTP_ERROR', message: error.message });
      return;
    }
    const parser = error as { type?: string; limit?: number; message?: string };
    if (parser.type === 'entity.parse.failed') {
      res.status(400).json({ code: 'MALFORMED_JSON', message: `body is not valid JSON: ${parser.message}` });
      return;
    }
    if (parser.type === 'entity.too.large') {
      res.status(413).json({ code: 'BODY_TOO_LARGE', message: `body exceeds ${parser.limit} bytes` });
      return;
    }
    this.logger.error('unhandled error', { error });
    res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
  }
}
