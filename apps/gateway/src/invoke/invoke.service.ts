import { Injectable } from '@nestjs/common';
import { ToolInvocationSchema, type ToolDescriptor, type ToolResult } from '@switchboard/contracts';
import { JsonLogger, withLogContext } from '@switchboard/observability';
import { AuditRepository } from '../audit/audit.repository';
import { TaskAuthService } from '../auth/task-auth.service';
import { toBackendRequest, toOutcome } from '../backend/backend-call';
import { BackendPort } from '../backend/backend.port';
import { zodIssues } from '../catalog/schema-validator';
import { ToolCatalog } from '../catalog/tool-catalog';
import { TokenBucketLimiter } from '../rate-limit/token-bucket';
import { TaskSequenceRepository } from '../sequence/task-sequence.repository';
import { auditEntry, type CallState } from './call-state';
import { GatewayFailure } from './gateway-failure';
import { WriteService } from './write.service';

/**
 * The gateway pipeline: token → superseded? → tool → scope → mode → body → tenant → argument schema → tenant again →
 * rate limit → (read) backend, or (write, WriteService) replay / approval hold / exactly-once execution → output
 * schema. Every call, refused or not, leaves one audit row; every refusal is a structured ToolResult.
 */
@Injectable()
export class InvokeService {
  private readonly logger = new JsonLogger(InvokeService.name);

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: TaskAuthService,
    private readonly sequence: TaskSequenceRepository,
    private readonly limiter: TokenBucketLimiter,
    private readonly writes: WriteService,
    private readonly audit: AuditRepository,
    private readonly backend: BackendPort,
  ) {}

  /** Also records the task's seq: a task's first gateway request (the resolver lists its tools) supersedes older ones. */
  async listTools(authorization: string | undefined): Promise<ToolDescriptor[]> {
    const claims = await this.auth.authenticate(authorization);
    await this.sequence.observe(claims);
    return this.catalog.forClaims(claims);
  }

  async invoke(request: { authorization: string | undefined; tool: string; body: unknown; traceHeaders: Record<string, string> }): Promise<ToolResult> {
    const state: CallState = { tool: request.tool, started: performance.now(), decision: 'denied' };
    let result: ToolResult;
    let audited = false;
    try {
      ({ result, audited } = await this.run(state, request));
    } catch (error) {
      if (error instanceof GatewayFailure) {
        result = error.toResult(request.tool);
      } else {
        // Postgres trouble or a bug: still a structured, retryable answer, never a bare 500.
        this.logger.error('tool call failed unexpectedly', { tool: request.tool, error });
        result = new GatewayFailure('BACKEND_UNAVAILABLE', 'the gateway could not complete the call (internal storage error); retry later').toResult(request.tool);
      }
    }
    if (!audited && !(await this.audit.tryAppend(auditEntry(state, result))) && result.status === 'ok') {
      // Every call leaves its audit row: a read that could not be recorded does not hand out its data.
      result = new GatewayFailure('BACKEND_UNAVAILABLE', 'the call could not be recorded in the audit log, so its result is withheld; retry later').toResult(request.tool);
    }
    return result;
  }

  private async run(state: CallState, request: { authorization: string | undefined; tool: string; body: unknown; traceHeaders: Record<string, string> }): Promise<{ result: ToolResult; audited: boolean }> {
    state.rawArguments = (request.body as { arguments?: unknown } | undefined)?.arguments;
    const claims = await this.auth.authenticate(request.authorization);
    state.claims = claims;
    await this.sequence.observe(claims);
    return withLogContext({ caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: request.tool }, async () => {
      const tool = this.catalog.get(request.tool);
      state.ruleVersion = tool?.version ?? this.catalog.version;
      if (!tool) {
        const available = this.catalog.forClaims(claims).map((t) => t.name).join(', ');
        throw new GatewayFailure('TOOL_NOT_FOUND', `no tool named "${request.tool}"; tools available to this task: ${available || 'none'}`);
      }
      if (!ToolCatalog.allows(claims, tool)) {
        throw new GatewayFailure('TOOL_NOT_IN_SCOPE', `this task's token does not allow ${tool.def.scope} tool "${tool.def.name}" (scopes: ${claims.scopes.join(', ')})`);
      }
      if (tool.def.scope === 'write' && claims.mode !== 'autonomous') {
        throw new GatewayFailure('WRITE_NOT_ALLOWED_IN_MODE', `"${tool.def.name}" changes state and this case runs in ${claims.mode} mode; propose the action in your answer instead`);
      }
      // Before zod: parsing would turn a "__proto__" key into the object's prototype and hide it.
      const unsafe = unsafeArgument(state.rawArguments);
      if (unsafe) throw new GatewayFailure('ARGUMENTS_INVALID', `arguments of "${tool.def.name}" contain ${unsafe.message}`, { issues: [unsafe] });
      const body = ToolInvocationSchema.safeParse(request.body);
      if (!body.success) throw new GatewayFailure('ARGUMENTS_INVALID', 'the request body is not a valid tool invocation', { issues: zodIssues(body.error) });
      state.invocation = body.data;
      const args = body.data.arguments;
      const tenantArg = tool.def.tenantArgument;
      const mismatch = () => new GatewayFailure('TENANT_MISMATCH', `this task may only act on tenant "${claims.tenantId}", not "${String(args[tenantArg])}" (${tenantArg})`);
      // Checked before the schema too, so a cross-tenant call is reported as such even when other arguments are wrong.
      if (args[tenantArg] !== undefined && args[tenantArg] !== claims.tenantId) throw mismatch();
      const valid = tool.input.validate(args);
      if (!valid.ok) throw new GatewayFailure('ARGUMENTS_INVALID', `arguments do not match the input schema of "${tool.def.name}"`, { issues: valid.issues });
      // Never skipped: the catalogue guarantees every tool requires a string tenant argument.
      if (args[tenantArg] !== claims.tenantId) throw mismatch();
      const permit = this.limiter.take(`${claims.agent}|${claims.tenantId}|${tool.def.name}`, tool.rateLimit);
      if (!permit.allowed && tool.rateLimit.mode === 'report') {
        // Report-only: the verdict is recorded (its own audit row, listed by /v1/verdicts) and the call goes on.
        const would = new GatewayFailure('RATE_LIMITED', `report-only: rate limit for "${tool.def.name}" would have refused this call`).toResult(tool.def.name);
        await this.audit.tryAppend(auditEntry({ ...state, decision: 'reported' }, would));
        this.logger.warn('report-only rate limit passed; the call goes on', { tool: tool.def.name, capacity: tool.rateLimit.capacity });
      } else if (!permit.allowed) {
        state.decision = 'throttled';
        throw new GatewayFailure('RATE_LIMITED', `rate limit for "${tool.def.name}" reached (${tool.rateLimit.capacity} calls, refilling ${tool.rateLimit.refillPerSecond}/s); wait before retrying`, { retryAfterMs: permit.retryAfterMs });
      }
      if (tool.def.scope === 'read') {
        state.decision = 'allowed';
        const outcome = toOutcome(tool, await this.backend.call(toBackendRequest(tool, args, { traceHeaders: request.traceHeaders })));
        return { result: outcome.result, audited: false };
      }
      return this.writes.run(state, claims, tool, body.data, request.traceHeaders);
    });
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first argument no tool may take: a key that reaches object prototypes, or a string with a NUL character (no
 * backend field means one, and Postgres cannot store it in the ledger or the audit log).
 */
export function unsafeArgument(value: unknown, path: string[] = []): { path: string; message: string } | undefined {
  const at = () => path.join('.') || '(root)';
  if (typeof value === 'string') return value.includes('\u0000') ? { path: at(), message: 'a NUL character (\\u0000)' } : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = unsafeArgument(v, [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k)) return { path: [...path, k].join('.'), message: `the reserved key "${k}"` };
      const found = unsafeArgument(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}
