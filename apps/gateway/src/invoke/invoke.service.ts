import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ToolInvocationSchema, type TaskTokenClaims, type ToolDescriptor, type ToolInvocation, type ToolResult } from '@switchboard/contracts';
import { JsonLogger, withLogContext } from '@switchboard/observability';
import { ApprovalRepository } from '../approvals/approval.repository';
import { AuditRepository, type AuditEntry } from '../audit/audit.repository';
import { TaskAuthService } from '../auth/task-auth.service';
import { toBackendRequest, toOutcome } from '../backend/backend-call';
import { BackendPort } from '../backend/backend.port';
import { issuesOf } from '../catalog/json-schema';
import { ToolCatalog, type Tool } from '../catalog/tool-catalog';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { approvalExecutionKey, argumentsHash, idempotencyKey } from '../ledger/idempotency-key';
import { WriteLedgerRepository } from '../ledger/write-ledger.repository';
import { TokenBucketLimiter } from '../rate-limit/token-bucket';
import { GatewayFailure } from './gateway-failure';

export type Decision = 'denied' | 'throttled' | 'allowed' | 'replayed' | 'held' | 'approved';

/** What is known about a call so far; grows as the pipeline passes each check (feeds the audit row). */
interface CallState {
  tool: string;
  started: number;
  claims?: TaskTokenClaims;
  invocation?: ToolInvocation;
  rawArguments?: unknown;
  decision: Decision;
  idempotencyKey?: string;
  approvalId?: string;
}

/**
 * The gateway pipeline: token → tool → scope → mode → body → tenant → argument schema → rate limit → (read) backend,
 * or (write) approval hold / approved execution / exactly-once ledger → backend → output schema. Every call, refused
 * or not, leaves one audit row; every refusal is a structured ToolResult.
 */
@Injectable()
export class InvokeService {
  private readonly logger = new JsonLogger(InvokeService.name);

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly auth: TaskAuthService,
    private readonly limiter: TokenBucketLimiter,
    private readonly ledger: WriteLedgerRepository,
    private readonly approvals: ApprovalRepository,
    private readonly audit: AuditRepository,
    private readonly backend: BackendPort,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async listTools(authorization: string | undefined): Promise<ToolDescriptor[]> {
    return this.catalog.forClaims(await this.auth.authenticate(authorization));
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
    if (!audited) await this.appendAudit(state, result);
    return result;
  }

  private async run(state: CallState, request: { authorization: string | undefined; tool: string; body: unknown; traceHeaders: Record<string, string> }): Promise<{ result: ToolResult; audited: boolean }> {
    state.rawArguments = (request.body as { arguments?: unknown } | undefined)?.arguments;
    const claims = await this.auth.authenticate(request.authorization);
    state.claims = claims;
    return withLogContext({ caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: request.tool }, async () => {
      const tool = this.catalog.get(request.tool);
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
      const body = ToolInvocationSchema.safeParse(request.body);
      if (!body.success) throw new GatewayFailure('ARGUMENTS_INVALID', 'the request body is not a valid tool invocation', { issues: issuesOf(body.error) });
      state.invocation = body.data;
      const args = body.data.arguments;
      if (args.tenantId !== undefined && args.tenantId !== claims.tenantId) {
        throw new GatewayFailure('TENANT_MISMATCH', `this task may only act on tenant "${claims.tenantId}", not "${String(args.tenantId)}"`);
      }
      const parsed = tool.input.safeParse(args);
      if (!parsed.success) {
        throw new GatewayFailure('ARGUMENTS_INVALID', `arguments do not match the input schema of "${tool.def.name}"`, { issues: issuesOf(parsed.error) });
      }
      const permit = this.limiter.take(`${claims.agent}|${claims.tenantId}|${tool.def.name}`, tool.rateLimit);
      if (!permit.allowed) {
        state.decision = 'throttled';
        throw new GatewayFailure('RATE_LIMITED', `rate limit for "${tool.def.name}" reached (${tool.rateLimit.capacity} calls, refilling ${tool.rateLimit.refillPerSecond}/s); wait before retrying`, { retryAfterMs: permit.retryAfterMs });
      }
      if (tool.def.scope === 'read') {
        state.decision = 'allowed';
        const outcome = toOutcome(tool, await this.backend.call(toBackendRequest(tool, parsed.data, { traceHeaders: request.traceHeaders })));
        return { result: outcome.result, audited: false };
      }
      return this.write(state, claims, tool, { ...body.data, arguments: parsed.data }, request.traceHeaders);
    });
  }

  private async write(state: CallState, claims: TaskTokenClaims, tool: Tool, invocation: ToolInvocation, traceHeaders: Record<string, string>): Promise<{ result: ToolResult; audited: boolean }> {
    const args = invocation.arguments;
    const hash = argumentsHash(args);
    if (invocation.approvalId) return this.executeApproved(state, claims, tool, invocation.approvalId, args, hash, traceHeaders);
    const reason = approvalReason(tool, args);
    if (reason) {
      const hold = await this.approvals.holdOnce({
        caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: tool.def.name,
        arguments: args, argumentsHash: hash, reason, expiresAt: new Date(Date.now() + this.config.GATEWAY_APPROVAL_TTL_SECONDS * 1000),
      });
      state.decision = 'held';
      state.approvalId = hold.id;
      this.logger.info('write held for approval', { approvalId: hold.id, reason });
      return { result: { status: 'held', tool: tool.def.name, approvalId: hold.id, reason, expiresAt: hold.expiresAt.toISOString() }, audited: false };
    }
    const key = idempotencyKey({ caseId: claims.caseId, step: invocation.step, toolCallId: invocation.toolCallId, tool: tool.def.name, arguments: args });
    return this.executeOnce(state, claims, tool, key, null, args, hash, invocation.toolCallId, traceHeaders);
  }

  private async executeApproved(
    state: CallState, claims: TaskTokenClaims, tool: Tool, approvalId: string, args: Record<string, unknown>, hash: string, traceHeaders: Record<string, string>,
  ): Promise<{ result: ToolResult; audited: boolean }> {
    state.approvalId = approvalId;
    const approval = await this.approvals.get(approvalId);
    if (!approval || approval.tenantId !== claims.tenantId || approval.caseId !== claims.caseId) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" does not exist for this case`);
    }
    if (approval.tool !== tool.def.name) throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" is for "${approval.tool}", not "${tool.def.name}"`);
    if (approval.argumentsHash !== hash) {
      throw new GatewayFailure('APPROVAL_INVALID', `the arguments differ from the approved ones ${JSON.stringify(approval.arguments)}; call with exactly those arguments, or without approvalId to request a new approval`);
    }
    if (approval.status === 'rejected') throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" was rejected by ${approval.decidedBy ?? 'a supervisor'}${approval.decisionNote ? `: ${approval.decisionNote}` : ''}`);
    const expired = approval.expiresAt.getTime() <= Date.now();
    if (approval.status !== 'executed' && expired) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" expired at ${approval.expiresAt.toISOString()}; request a new approval`);
    }
    if (approval.status === 'pending') throw new GatewayFailure('APPROVAL_REQUIRED', `approval "${approvalId}" is still waiting for a human decision`);
    const key = approvalExecutionKey(approvalId, hash);
    return this.executeOnce(state, claims, tool, key, approvalId, args, hash, state.invocation?.toolCallId ?? approvalId, traceHeaders);
  }

  private async executeOnce(
    state: CallState, claims: TaskTokenClaims, tool: Tool, key: string, approvalId: string | null, args: Record<string, unknown>, hash: string,
    toolCallId: string, traceHeaders: Record<string, string>,
  ): Promise<{ result: ToolResult; audited: boolean }> {
    state.idempotencyKey = key;
    state.decision = approvalId ? 'approved' : 'allowed';
    const run = await this.ledger.executeOnce(
      { idempotencyKey: key, caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: tool.def.name, toolCallId, argumentsHash: hash, approvalId },
      async () => toOutcome(tool, await this.backend.call(toBackendRequest(tool, args, { idempotencyKey: key, traceHeaders }))),
      async (tx: PoolClient, result: ToolResult, replayed: boolean) => {
        if (replayed) state.decision = 'replayed';
        if (approvalId && !replayed) await this.approvals.markExecuted(tx, approvalId);
        await this.audit.append(this.auditEntry(state, result), tx);
      },
    );
    if (run.replayed) this.logger.info('write replayed from the ledger', { idempotencyKey: key });
    return { result: run.result, audited: run.committed };
  }

  private auditEntry(state: CallState, result: ToolResult): AuditEntry {
    const claims = state.claims;
    return {
      caseId: claims?.caseId ?? null,
      taskId: claims?.taskId ?? null,
      tenantId: claims?.tenantId ?? null,
      agent: claims?.agent ?? null,
      tool: state.tool.slice(0, 200),
      toolCallId: state.invocation?.toolCallId ?? null,
      // Unauthenticated callers get a row but cannot store payloads in the audit log.
      arguments: claims ? (state.invocation?.arguments ?? state.rawArguments ?? null) : null,
      decision: state.decision,
      outcome: result.status,
      errorCode: result.status === 'error' ? result.error.code : null,
      result: result.status === 'ok' ? result.result : result.status === 'held' ? { approvalId: result.approvalId, reason: result.reason } : result.error,
      latencyMs: Math.round(performance.now() - state.started),
      approvalId: state.approvalId ?? null,
      idempotencyKey: state.idempotencyKey ?? null,
    };
  }

  private async appendAudit(state: CallState, result: ToolResult): Promise<void> {
    try {
      await this.audit.append(this.auditEntry(state, result));
    } catch (error) {
      this.logger.error('audit append failed', { tool: state.tool, error });
    }
  }
}

/** Why a write must wait for a human, or undefined when it may run now. */
export function approvalReason(tool: Tool, args: Record<string, unknown>): string | undefined {
  const policy = tool.def.approval;
  if (policy === 'always') return `${tool.def.name} always requires a human approval`;
  if (policy === 'never' || tool.def.amountField === undefined) return undefined;
  const amount = Number(args[tool.def.amountField]);
  if (amount > policy.above) return `${tool.def.amountField} ${amount} is above the approval threshold ${policy.above} for ${tool.def.name}`;
  return undefined;
}
