/** One HTTP call to a company backend, as the gateway builds it from a tool definition and arguments. */
export interface BackendRequest {
  backend: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  idempotencyKey?: string;
  /** W3C trace context to forward. */
  traceHeaders: Record<string, string>;
}

export type BackendResponse =
  | { kind: 'response'; status: number; body: unknown; bodyIsJson: boolean }
  | { kind: 'unreachable'; reason: string; timedOut: boolean };

/** The gateway's only way to company systems; adapters hold the credentials. */
export abstract class BackendPort {
  abstract call(request: BackendRequest): Promise<BackendResponse>;
}
