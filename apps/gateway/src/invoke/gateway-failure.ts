import type { GatewayErrorCode, ToolResult } from '@switchboard/contracts';
import { SwitchboardError, type ErrorCategory } from '@switchboard/observability';

const HTTP_STATUS: Record<GatewayErrorCode, number> = {
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_SUPERSEDED: 401,
  TOOL_NOT_FOUND: 404,
  TOOL_NOT_IN_SCOPE: 403,
  WRITE_NOT_ALLOWED_IN_MODE: 403,
  TENANT_MISMATCH: 403,
  ARGUMENTS_INVALID: 400,
  OUTPUT_INVALID: 502,
  RATE_LIMITED: 429,
  APPROVAL_REQUIRED: 409,
  APPROVAL_INVALID: 409,
  BACKEND_ERROR: 502,
  BACKEND_UNAVAILABLE: 503,
  BACKEND_UNAUTHORIZED: 502,
  BACKEND_REJECTED: 422,
};

// Retrying the same call can help only for these; everything else needs a different call (self-correction).
const RETRYABLE = new Set<GatewayErrorCode>(['RATE_LIMITED', 'BACKEND_ERROR', 'BACKEND_UNAVAILABLE', 'TOKEN_EXPIRED']);

function categoryOf(code: GatewayErrorCode): ErrorCategory {
  if (code.startsWith('BACKEND_') || code === 'OUTPUT_INVALID') return 'third_party';
  return 'user';
}

/**
 * A refused or failed tool call, carried as data to the HTTP edge, which turns it into a `status: 'error'`
 * ToolResult with the matching HTTP status. Never a 500.
 */
export class GatewayFailure extends SwitchboardError {
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(
    readonly gatewayCode: GatewayErrorCode,
    message: string,
    readonly extra: { issues?: Array<{ path: string; message: string }>; retryAfterMs?: number; cause?: unknown; httpStatus?: number } = {},
  ) {
    super(`GATEWAY.${gatewayCode}`, categoryOf(gatewayCode), message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.httpStatus = extra.httpStatus ?? HTTP_STATUS[gatewayCode];
    this.retryable = RETRYABLE.has(gatewayCode);
  }

  toResult(tool: string): Extract<ToolResult, { status: 'error' }> {
    return {
      status: 'error',
      tool,
      error: {
        code: this.gatewayCode,
        message: this.message,
        retryable: this.retryable,
        ...(this.extra.issues ? { issues: this.extra.issues } : {}),
        ...(this.extra.retryAfterMs !== undefined ? { retryAfterMs: this.extra.retryAfterMs } : {}),
      },
    };
  }
}

/** HTTP status of a tool result (200 ok, 202 held, the error's own status otherwise). */
export function httpStatusOf(result: ToolResult): number {
  if (result.status === 'ok') return 200;
  if (result.status === 'held') return 202;
  return HTTP_STATUS[result.error.code];
}
