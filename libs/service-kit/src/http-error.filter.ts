import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { JsonLogger } from '@switchboard/observability';

/** What went wrong with a request before any handler ran: the body parser's failures, by kind. */
export type RequestErrorKind = 'MALFORMED_JSON' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_ENCODING';

/** A failure ready to leave: status, body, and headers such as `retry-after`. */
export interface HttpErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The generic failure a service renders in its own shape (the gateway answers a ToolResult). */
export interface GenericHttpError {
  status: number;
  /** `MALFORMED_JSON`, `BODY_TOO_LARGE`, `UNSUPPORTED_ENCODING`, the status's name (`NOT_FOUND`, `CONFLICT`), or `INTERNAL`. */
  kind: string;
  message: string;
}

export interface HttpErrorFilterOptions {
  /** Prefix of this service's codes: `INGRESS` answers `INGRESS.MALFORMED_JSON`. None for bare codes. */
  codePrefix?: string;
  /** The service's own errors (domain errors, gateway failures): its response, or undefined to fall through. */
  domain?: (error: unknown, req: Request) => HttpErrorResponse | undefined;
  /** The body of a generic failure; default `{ code, message }`. */
  render?: (error: GenericHttpError, req: Request) => HttpErrorResponse;
}

/**
 * The body parser's own failures: invalid JSON, a body over the limit, an encoding or charset it cannot read. Express
 * hands them on as plain errors with a `type`; Nest wraps a JSON SyntaxError in a bare 400 BadRequestException.
 */
export function requestError(error: unknown): { status: number; kind: RequestErrorKind; message: string } | undefined {
  const e = error as { type?: string; limit?: number; message?: string };
  if (e?.type === 'entity.parse.failed') return { status: HttpStatus.BAD_REQUEST, kind: 'MALFORMED_JSON', message: `body is not valid JSON: ${e.message}` };
  if (e?.type === 'entity.too.large') return { status: HttpStatus.PAYLOAD_TOO_LARGE, kind: 'BODY_TOO_LARGE', message: `body exceeds ${e.limit} bytes` };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return { status: HttpStatus.UNSUPPORTED_MEDIA_TYPE, kind: 'UNSUPPORTED_ENCODING', message: e.message ?? 'unsupported encoding' };
  return undefined;
}

const statusName = (status: number): string => (STATUS_CODES[status] ?? `HTTP ${status}`).toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/**
 * Every HTTP service's error edge (one filter, configured per service): the service's own errors first (`domain`),
 * then HttpExceptions — a body that already carries a `code` leaves as it is, a bare one is named by its status — and
 * the body parser's failures (400 / 413 / 415 with a readable message instead of a bare 500). Anything else is logged
 * and answers 500 `INTERNAL` with no detail: internals (SQL, stack, secrets in a message) never reach a client.
 * Outside HTTP (a Kafka handler of a hybrid app that inherits the app's filters) the error is handed back untouched,
 * so the bus still retries or dead-letters it.
 *
 * @example
 * app.useGlobalFilters(new HttpErrorFilter({ codePrefix: 'INGRESS' }));
 * // POST /tickets with "{" → 400 { code: 'INGRESS.MALFORMED_JSON', message: 'request is malformed (body must be JSON): …' }
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new JsonLogger(HttpErrorFilter.name);

  constructor(private readonly options: HttpErrorFilterOptions = {}) {}

  catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const out = this.options.domain?.(error, req) ?? this.generic(error, req);
    for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
    res.status(out.status).json(out.body);
  }

  private generic(error: unknown, req: Request): HttpErrorResponse {
    const parsed = requestError(error);
    if (parsed) return this.render(parsed, req);
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      if (typeof body === 'object' && body !== null && 'code' in body) return { status, body };
      // Nest maps body-parser's JSON SyntaxError (and a bad %-encoding) to a bare 400.
      if (status === HttpStatus.BAD_REQUEST) return this.render({ status, kind: 'MALFORMED_JSON', message: `request is malformed (body must be JSON): ${error.message}` }, req);
      return this.render({ status, kind: statusName(status), message: error.message }, req);
    }
    this.logger.error('unhandled error', { path: req.path, error });
    return this.render({ status: HttpStatus.INTERNAL_SERVER_ERROR, kind: 'INTERNAL', message: 'internal error' }, req);
  }

  private render(error: GenericHttpError, req: Request): HttpErrorResponse {
    if (this.options.render) return this.options.render(error, req);
    const code = this.options.codePrefix ? `${this.options.codePrefix}.${error.kind}` : error.kind;
    return { status: error.status, body: { code, message: error.message } };
  }
}
