import type { Request } from 'express';
import type { GatewayErrorCode } from '@switchboard/contracts';
import { HttpErrorFilter, type GenericHttpError, type HttpErrorResponse } from '@switchboard/service-kit';
import { GatewayFailure } from './invoke/gateway-failure';

/** The tool the request was for, on the invoke route; '' elsewhere. */
const toolOf = (req: Request): string => {
  const tool = /^\/v1\/tools\/([^/]+)\/invoke/.exec(req.path)?.[1];
  return tool ? decodeURIComponent(tool) : '';
};

const respond = (failure: GatewayFailure, req: Request): HttpErrorResponse => ({
  status: failure.httpStatus,
  body: failure.toResult(toolOf(req)),
  ...(failure.extra.retryAfterMs !== undefined ? { headers: { 'retry-after': String(Math.ceil(failure.extra.retryAfterMs / 1000)) } } : {}),
});

/** A failure outside the gateway's own checks (body parser, unknown route, a bug), as the gateway's error codes. */
function asFailure(error: GenericHttpError): GatewayFailure {
  if (error.kind === 'INTERNAL') return new GatewayFailure('BACKEND_UNAVAILABLE', 'the gateway could not complete the request; retry later');
  const code: GatewayErrorCode = error.status === 404 ? 'TOOL_NOT_FOUND' : error.status === 401 ? 'TOKEN_INVALID' : 'ARGUMENTS_INVALID';
  return new GatewayFailure(code, error.message, { httpStatus: error.status >= 500 ? 503 : error.status });
}

/**
 * The gateway's error edge: the shared filter (libs/service-kit) rendering every failure as a ToolResult
 * (`status: 'error'`) on the invoke route and the same `{ status, error }` shape elsewhere, with `retry-after` when
 * throttled.
 */
export const gatewayErrorFilter = (): HttpErrorFilter => new HttpErrorFilter({
  domain: (error, req) => (error instanceof GatewayFailure ? respond(error, req) : undefined),
  render: (error, req) => respond(asFailure(error), req),
});
