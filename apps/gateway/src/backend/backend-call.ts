import type { ToolResult } from '@switchboard/contracts';
import type { Tool } from '../catalog/tool-catalog';
import { GatewayFailure } from '../invoke/gateway-failure';
import type { WriteOutcome } from '../ledger/write-ledger.repository';
import type { BackendRequest, BackendResponse } from './backend.port';

/** Splits a tool's arguments into the backend HTTP request: path segments, then query (GET) or JSON body. */
export function toBackendRequest(tool: Tool, args: Record<string, unknown>, extras: { idempotencyKey?: string; traceHeaders: Record<string, string> }): BackendRequest {
  const rest: Record<string, unknown> = { ...args };
  const path = tool.def.http.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  const request: BackendRequest = { backend: tool.def.backend, method: tool.def.http.method, path, traceHeaders: extras.traceHeaders };
  if (extras.idempotencyKey) request.idempotencyKey = extras.idempotencyKey;
  if (tool.def.http.method === 'GET') {
    request.query = Object.fromEntries(
      Object.entries(rest).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
    );
  } else {
    request.body = rest;
  }
  return request;
}

function backendMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; code?: unknown; error?: { message?: unknown; code?: unknown } };
    const message = b.message ?? b.error?.message;
    const code = b.code ?? b.error?.code;
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
  }
  return typeof body === 'string' ? body.slice(0, 200) : 'no details';
}

/**
 * Maps a backend answer to a tool result. `final` says whether the outcome may be stored in the write ledger and
 * replayed: business rejections and completed writes are final; outages and auth failures are not (a later retry,
 * or a fixed credential, should reach the backend again).
 */
export function toOutcome(tool: Tool, response: BackendResponse): WriteOutcome {
  const name = tool.def.name;
  if (response.kind === 'unreachable') {
    return { result: new GatewayFailure('BACKEND_UNAVAILABLE', `${tool.def.backend} is unreachable (${response.reason}); retry later`).toResult(name), final: false };
  }
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    if (!response.bodyIsJson) {
      return { result: new GatewayFailure('OUTPUT_INVALID', `${tool.def.backend} answered ${status} without a JSON body; the effect is unknown, verify with a read tool`).toResult(name), final: true };
    }
    const checked = tool.output.validate(body);
    if (!checked.ok) {
      return { result: new GatewayFailure('OUTPUT_INVALID', `${tool.def.backend} answered with an unexpected shape for ${name}`, { issues: checked.issues }).toResult(name), final: true };
    }
    const ok: ToolResult = { status: 'ok', tool: name, result: body, replayed: false };
    return { result: ok, final: true };
  }
  if (status === 401 || status === 403) {
    return { result: new GatewayFailure('BACKEND_UNAUTHORIZED', `${tool.def.backend} refused the gateway's credentials (HTTP ${status}); an operator must fix the backend API key`).toResult(name), final: false };
  }
  if (status === 429) return { result: new GatewayFailure('RATE_LIMITED', `${tool.def.backend} is throttling; retry later`, { retryAfterMs: 1000 }).toResult(name), final: false };
  // Any other client error (400, 404, 409, 413, 414, 422, 431…) refuses this very request: repeating it cannot help.
  if (status >= 400 && status < 500 && status !== 408) {
    return { result: new GatewayFailure('BACKEND_REJECTED', `${tool.def.backend} rejected the call (HTTP ${status}): ${backendMessage(body)}`).toResult(name), final: true };
  }
  if (status === 502 || status === 503 || status === 504) {
    return { result: new GatewayFailure('BACKEND_UNAVAILABLE', `${tool.def.backend} is unavailable (HTTP ${status}); retry later`).toResult(name), final: false };
  }
  return { result: new GatewayFailure('BACKEND_ERROR', `${tool.def.backend} failed (HTTP ${status}): ${backendMessage(body)}`).toResult(name), final: false };
}
