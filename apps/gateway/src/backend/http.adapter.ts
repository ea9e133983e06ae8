import { BackendPort, type BackendRequest, type BackendResponse } from './backend.port';

export interface BackendEndpoint {
  baseUrl: string;
  /** Sent as `X-Api-Key`; never leaves the gateway. */
  apiKey: string;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Calls backends over HTTP with their API key, a timeout and the Idempotency-Key header on writes. */
export class HttpBackendAdapter extends BackendPort {
  constructor(private readonly endpoints: Record<string, BackendEndpoint>, private readonly timeoutMs: number) {
    super();
  }

  async call(request: BackendRequest): Promise<BackendResponse> {
    const endpoint = this.endpoints[request.backend];
    if (!endpoint) return { kind: 'unreachable', reason: `backend "${request.backend}" is not configured`, timedOut: false };
    const url = new URL(endpoint.baseUrl.replace(/\/+$/, '') + request.path);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...request.traceHeaders, 'x-api-key': endpoint.apiKey, accept: 'application/json' };
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { kind: 'unreachable', reason: timedOut ? `no answer within ${this.timeoutMs} ms` : `${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ''}`, timedOut };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      return { kind: 'unreachable', reason: `response body could not be read: ${(error as Error).message}`, timedOut: false };
    }
    if (text.length > MAX_RESPONSE_BYTES) return { kind: 'response', status: res.status, body: undefined, bodyIsJson: false };
    if (text.length === 0) return { kind: 'response', status: res.status, body: undefined, bodyIsJson: false };
    try {
      return { kind: 'response', status: res.status, body: JSON.parse(text), bodyIsJson: true };
    } catch {
      return { kind: 'response', status: res.status, body: text.slice(0, 500), bodyIsJson: false };
    }
  }
}
