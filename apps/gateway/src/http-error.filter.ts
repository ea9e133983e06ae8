import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { GatewayErrorCode } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { GatewayFailure } from './invoke/gateway-failure';

/**
 * Every failure leaves as a structured error body: a ToolResult (`status: 'error'`) on the invoke route, the same
 * `{ status, error }` shape elsewhere. Body-parser failures (malformed JSON, oversized body) become 400 / 413.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new JsonLogger(HttpErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const tool = /^\/v1\/tools\/([^/]+)\/invoke/.exec(req.path)?.[1];
    const failure = this.toFailure(error);
    const body = failure.toResult(tool ? decodeURIComponent(tool) : '');
    if (failure.extra.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.ceil(failure.extra.retryAfterMs / 1000)));
    res.status(failure.httpStatus).json(body);
  }

  private toFailure(error: unknown): GatewayFailure {
    if (error instanceof GatewayFailure) return error;
    const parserError = error as { type?: string; limit?: number; message?: string };
    if (parserError.type === 'entity.parse.failed') return new GatewayFailure('ARGUMENTS_INVALID', `body is not valid JSON: ${parserError.message}`);
    if (parserError.type === 'entity.too.large') return new GatewayFailure('ARGUMENTS_INVALID', `body exceeds ${parserError.limit} bytes`, { httpStatus: 413 });
    if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') return new GatewayFailure('ARGUMENTS_INVALID', parserError.message ?? 'unsupported encoding');
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code: GatewayErrorCode = status === HttpStatus.NOT_FOUND ? 'TOOL_NOT_FOUND' : status === HttpStatus.UNAUTHORIZED ? 'TOKEN_INVALID' : 'ARGUMENTS_INVALID';
      // Nest turns body-parser SyntaxErrors into a plain 400 BadRequestException.
      const message = status === 400 ? `request is malformed (body must be JSON): ${error.message}` : error.message;
      return new GatewayFailure(code, message, { httpStatus: status >= 500 ? 503 : status });
    }
    this.logger.error('unhandled error', { error });
    return new GatewayFailure('BACKEND_UNAVAILABLE', 'the gateway could not complete the request; retry later');
  }
}
