import { z } from 'zod';
import {
  ToolDescriptorSchema, ToolResultSchema, type GatewayErrorCode, type ToolDescriptor, type ToolInvocation, type ToolResult,
} from '@switchboard/contracts';
import { injectTraceContext, SwitchboardError } from '@switchboard/observability';
import { bindTaskToken } from '@switchboard/task-tokens';

export interface GatewayClientOptions {
  /** e.g. `http://127.0.0.1:3200` */
  baseUrl: string;
  /** The per-task token minted by the supervisor. */
  token: string;
  /** The agent's own key (GATEWAY_AGENT_KEY): the token is sent bound to it. Omit only for a credential bound already. */
  agentKey?: string;
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** `GET /v1/tools` failed (network, auth, or an unexpected body); `code` is the gateway error code. */
export class GatewayClientError extends SwitchboardError {
  constructor(readonly gatewayCode: GatewayErrorCode, message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(`GATEWAY.${gatewayCode}`, retryable ? 'third_party' : 'user', message, options);
  }
}

const ErrorBodySchema = z.object({ status: z.literal('error'), error: z.object({ code: z.string(), message: z.string() }) });
const ApprovalSchema = z.object({
  approvalId: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'executed', 'expired']),
  tool: z.string(),
  caseId: z.string(),
  tenantId: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  reason: z.string(),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  executedAt: z.string().nullable(),
});
/** An approval as the gateway reports it. */
export type Approval = z.infer<typeof ApprovalSchema>;

const VerdictsSchema = z.object({
  verdicts: z.array(z.object({
    auditId: z.string(), caseId: z.string().nullable().default(null), tenantId: z.string().nullable().default(null),
    at: z.string(), agent: z.string().nullable(), taskId: z.string().nullable(), tool: z.string(), decision: z.string(),
    rule: z.string().nullable(), approvalId: z.string().nullable(),
    // Absent from a gateway older than its migration 005: the verdict then has no rule version.
    ruleVersion: z.string().nullable().default(null),
  })),
});
const ApprovalPreviewSchema = z.object({
  approvalId: z.string(), tool: z.string(), arguments: z.record(z.string(), z.unknown()), caseId: z.string(), tenantId: z.string(), expiresAt: z.string(),
  read: z.object({ tool: z.string(), arguments: z.record(z.string(), z.unknown()) }), readAt: z.string(),
  fields: z.array(z.object({ path: z.string(), label: z.string(), before: z.unknown(), after: z.unknown(), changes: z.boolean() })).max(50),
});
/** What a held write would change (`GET /v1/approvals/:id/preview`, service key): each field now and after. */
export type ApprovalPreview = z.infer<typeof ApprovalPreviewSchema>;

/** A control decision of the gateway on one tool call of a case (`GET /v1/verdicts`, service key). */
export type GatewayVerdict = z.infer<typeof VerdictsSchema>['verdicts'][number];

function errorResult(tool: string, code: GatewayErrorCode, message: string, retryable: boolean): ToolResult {
  return { status: 'error', tool, error: { code, message, retryable } };
}

/**
 * Agent side of the gateway: one client per task token. {@link invoke} never throws for gateway or network
 * failures; it returns a `status: 'error'` ToolResult the agent can read and correct itself on. Each request carries
 * the active W3C trace context.
 *
 * @example
 * const gw = new GatewayClient({ baseUrl: config.GATEWAY_URL, token: task.gatewayToken, agentKey: config.GATEWAY_AGENT_KEY, timeoutMs: 10_000 });
 * const tools = await gw.listTools();
 * const r = await gw.invoke('get_cache_status', { toolCallId: 'call_1', step: 1, arguments: { tenantId: 'acme-eu' } });
 * if (r.status === 'error' && r.error.code === 'ARGUMENTS_INVALID') { ... fix the arguments and retry ... }
 */
export class GatewayClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly credential: string;

  constructor(options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
    this.credential = options.agentKey ? bindTaskToken(options.token, options.agentKey) : options.token;
  }

  /** The tools this task's token may call. Throws {@link GatewayClientError} when the gateway cannot answer. */
  async listTools(): Promise<ToolDescriptor[]> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}/v1/tools`, { headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new GatewayClientError('BACKEND_UNAVAILABLE', `gateway unreachable: ${(error as Error).message}`, true, { cause: error });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const parsed = ErrorBodySchema.safeParse(body);
      const code = parsed.success ? (parsed.data.error.code as GatewayErrorCode) : 'BACKEND_ERROR';
      throw new GatewayClientError(code, parsed.success ? parsed.data.error.message : `gateway answered ${res.status}`, res.status >= 500);
    }
    const tools = z.array(ToolDescriptorSchema).safeParse(body);
    if (!tools.success) throw new GatewayClientError('BACKEND_ERROR', 'gateway returned an unexpected tool list', false);
    return tools.data;
  }

  async invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.baseUrl}/v1/tools/${encodeURIComponent(tool)}/invoke`, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify(invocation),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      // A timed-out write may still have run: retrying with the same toolCallId and step is safe (idempotency key).
      return errorResult(tool, 'BACKEND_UNAVAILABLE', timedOut ? `gateway did not answer within ${this.timeoutMs} ms; retry with the same toolCallId` : `gateway unreachable: ${(error as Error).message}`, true);
    }
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = ToolResultSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    return errorResult(tool, res.status >= 500 ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR', `gateway answered HTTP ${res.status} with an unexpected body`, res.status >= 500);
  }

  /** The state of an approval this task's case requested. */
  async getApproval(approvalId: string): Promise<Approval> {
    return requestApproval(this.fetchFn, `${this.baseUrl}/v1/approvals/${encodeURIComponent(approvalId)}`, { headers: this.headers() }, this.timeoutMs);
  }

  private headers(): Record<string, string> {
    return injectTraceContext({ authorization: `Bearer ${this.credential}`, accept: 'application/json' });
  }
}

/** One JSON request to the gateway: its error body becomes a GatewayClientError, its answer is parsed by `schema`. */
async function requestJson<T>(fetchFn: typeof fetch, url: string, init: RequestInit, timeoutMs: number, schema: z.ZodType<T>, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new GatewayClientError('BACKEND_UNAVAILABLE', `gateway unreachable: ${(error as Error).message}`, true, { cause: error });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const parsed = ErrorBodySchema.safeParse(body);
    throw new GatewayClientError(parsed.success ? (parsed.data.error.code as GatewayErrorCode) : 'BACKEND_ERROR', parsed.success ? parsed.data.error.message : `gateway answered ${res.status}`, res.status >= 500);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new GatewayClientError('BACKEND_ERROR', `gateway returned an unexpected ${what} body`, false);
  return parsed.data;
}

function requestApproval(fetchFn: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Approval> {
  return requestJson(fetchFn, url, init, timeoutMs, ApprovalSchema, 'approval');
}

/**
 * Supervisor side of approvals, authenticated with the gateway's service key (`GATEWAY_ADMIN_KEY`), which agents
 * never hold. Approving does not execute anything: the resolver (or supervisor) invokes the tool again with
 * `approvalId` and the same arguments, and the gateway runs it once.
 *
 * @example
 * const admin = new GatewayAdminClient({ baseUrl: config.GATEWAY_URL, adminKey: config.GATEWAY_ADMIN_KEY });
 * await admin.approve(approvalId, 'alice@support');
 */
export class GatewayAdminClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: { baseUrl: string; adminKey: string; timeoutMs?: number; fetch?: typeof fetch }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  approve(approvalId: string, approvedBy: string): Promise<Approval> {
    return this.post(`/v1/approvals/${encodeURIComponent(approvalId)}/approve`, { approvedBy });
  }

  reject(approvalId: string, rejectedBy: string, reason?: string): Promise<Approval> {
    return this.post(`/v1/approvals/${encodeURIComponent(approvalId)}/reject`, { rejectedBy, ...(reason ? { reason } : {}) });
  }

  /** The gateway's control verdicts of a case, from its audit log: refusals, throttling, holds, approvals, replays. */
  async verdicts(caseId: string): Promise<GatewayVerdict[]> {
    const url = `${this.baseUrl}/v1/verdicts?caseId=${encodeURIComponent(caseId)}`;
    const init = { headers: injectTraceContext({ 'x-admin-key': this.options.adminKey }) };
    return (await requestJson(this.fetchFn, url, init, this.options.timeoutMs ?? 10_000, VerdictsSchema, 'verdicts')).verdicts;
  }

  /** The gateway's control verdicts of every case in a period, newest first (`since` required; at most `limit`, ≤ 1000). */
  async verdictsSince(q: { since: string; until?: string; tenantId?: string; rule?: string; decision?: string; limit?: number }): Promise<GatewayVerdict[]> {
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    const url = `${this.baseUrl}/v1/verdicts?${params}`;
    const init = { headers: injectTraceContext({ 'x-admin-key': this.options.adminKey }) };
    return (await requestJson(this.fetchFn, url, init, this.options.timeoutMs ?? 10_000, VerdictsSchema, 'verdicts')).verdicts;
  }

  /** A pending approval's preview: the state the held write would change, read now, beside what it will read after. */
  async preview(approvalId: string): Promise<ApprovalPreview> {
    const url = `${this.baseUrl}/v1/approvals/${encodeURIComponent(approvalId)}/preview`;
    return requestJson(this.fetchFn, url, { headers: injectTraceContext({ 'x-admin-key': this.options.adminKey }) }, this.options.timeoutMs ?? 10_000, ApprovalPreviewSchema, 'approval preview');
  }

  get(approvalId: string): Promise<Approval> {
    return requestApproval(this.fetchFn, `${this.baseUrl}/v1/approvals/${encodeURIComponent(approvalId)}`, { headers: { 'x-admin-key': this.options.adminKey } }, this.options.timeoutMs ?? 10_000);
  }

  private post(path: string, body: unknown): Promise<Approval> {
    return requestApproval(
      this.fetchFn,
      `${this.baseUrl}${path}`,
      { method: 'POST', headers: injectTraceContext({ 'x-admin-key': this.options.adminKey, 'content-type': 'application/json' }), body: JSON.stringify(body) },
      this.options.timeoutMs ?? 10_000,
    );
  }
}
