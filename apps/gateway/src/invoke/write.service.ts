import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { TaskTokenClaims, ToolInvocation, ToolResult } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { approvalReason, cumulativeBreaches, cumulativeLimits, enforcedReason } from '../approvals/approval-policy';
import { ApprovalRepository, type ApprovalRow } from '../approvals/approval.repository';
import { AuditRepository } from '../audit/audit.repository';
import { toBackendRequest, toOutcome } from '../backend/backend-call';
import { BackendPort } from '../backend/backend.port';
import type { Tool } from '../catalog/tool-catalog';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { argumentsHash, effectOf, type Effect } from '../ledger/effect';
import { WriteLedgerRepository } from '../ledger/write-ledger.repository';
import { TaskSequenceRepository } from '../sequence/task-sequence.repository';
import { auditEntry, type CallState } from './call-state';
import { GatewayFailure } from './gateway-failure';

type Plan = { kind: 'execute' } | { kind: 'held'; approval: ApprovalRow };

/**
 * The write path, in two transactions. Decide, under a per-(tenant, tool) lock: an effect the case already attempted
 * goes straight to execution (which replays it when done), so an executed effect is never held or run again; an
 * approval (given, or open and approved for this effect) authorises it; otherwise the per-call threshold and the
 * cumulative limits may hold it; an authorised attempt is committed `pending` with its arguments. Execute: lock the
 * ledger row, replay or call the backend once, commit the final outcome with the audit row (and the approval's
 * `executed`). A superseded token is refused in both.
 */
@Injectable()
export class WriteService {
  private readonly logger = new JsonLogger(WriteService.name);

  constructor(
    private readonly ledger: WriteLedgerRepository,
    private readonly approvals: ApprovalRepository,
    private readonly sequence: TaskSequenceRepository,
    private readonly audit: AuditRepository,
    private readonly backend: BackendPort,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async run(state: CallState, claims: TaskTokenClaims, tool: Tool, invocation: ToolInvocation, traceHeaders: Record<string, string>): Promise<{ result: ToolResult; audited: boolean }> {
    const effect = effectOf(tool, claims.caseId, invocation.arguments);
    state.idempotencyKey = effect.key;
    const plan = await this.ledger.transaction((tx) => this.decide(tx, state, claims, tool, invocation, effect));
    if (plan.kind === 'held') {
      state.decision = 'held';
      state.approvalId = plan.approval.id;
      this.logger.info('write held for approval', { approvalId: plan.approval.id, reason: plan.approval.reason });
      const { approval } = plan;
      return { result: { status: 'held', tool: tool.def.name, approvalId: approval.id, reason: approval.reason, expiresAt: approval.expiresAt.toISOString() }, audited: false };
    }
    state.decision = 'allowed';
    const run = await this.ledger.executeOnce(effect.key, {
      check: (tx) => this.sequence.assertCurrent(tx, claims),
      execute: async (row) => {
        state.decision = row.approvalId ? 'approved' : 'allowed';
        if (row.approvalId) state.approvalId = row.approvalId;
        // The arguments of the first attempt (or of the approval), not this call's: a re-worded retry re-sends them.
        const args = row.arguments ?? invocation.arguments;
        return toOutcome(tool, await this.backend.call(toBackendRequest(tool, args, { idempotencyKey: effect.key, traceHeaders })));
      },
      beforeCommit: async (tx, result, replayed, row) => {
        if (replayed) state.decision = 'replayed';
        if (row.approvalId && !replayed) await this.approvals.markExecuted(tx, row.approvalId);
        await this.audit.append(auditEntry(state, result), tx);
      },
    });
    if (run.replayed) this.logger.info('write replayed from the ledger', { idempotencyKey: effect.key });
    return { result: run.result, audited: run.committed };
  }

  private async decide(tx: PoolClient, state: CallState, claims: TaskTokenClaims, tool: Tool, invocation: ToolInvocation, effect: Effect): Promise<Plan> {
    await this.sequence.assertCurrent(tx, claims);
    await this.ledger.lockTenantTool(tx, claims.tenantId, tool.def.name);
    const args = invocation.arguments;
    const given = invocation.approvalId ? await this.approvalFor(tx, claims, tool, invocation.approvalId, effect, args) : undefined;
    if (given) state.approvalId = given.id;
    // Attempted before in this case (done, or pending after a transient failure): never held or decided again.
    if (await this.ledger.find(tx, effect.key)) return { kind: 'execute' };
    if (given?.status === 'executed') throw new GatewayFailure('APPROVAL_INVALID', `approval "${given.id}" was already executed; an approval runs once`);
    if (given && (given.status === 'expired' || given.expiresAt.getTime() <= Date.now())) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${given.id}" expired at ${given.expiresAt.toISOString()}; request a new approval`);
    }
    let approval = given;
    if (!approval) {
      const open = await this.approvals.findOpen(tx, claims.caseId, tool.def.name, effect.hash);
      // A human already approved exactly this effect in this case: the call runs under that approval.
      if (open?.status === 'approved' && open.expiresAt.getTime() > Date.now()) approval = open;
      else {
        if (open?.status === 'approved') await this.approvals.expire(tx, open.id);
        const limits = cumulativeLimits(tool);
        const breaches = limits.length > 0
          ? cumulativeBreaches(tool, limits, await this.ledger.totals(tx, { tenantId: claims.tenantId, tool: tool.def.name, caseId: claims.caseId, effect: effect.values }, limits), effect)
          : [];
        const reason = approvalReason(tool, args) ?? enforcedReason(breaches);
        if (!reason) {
          // Report-only limits this call passes: each is a `reported` verdict in the audit log, and the call goes on.
          for (const b of breaches.filter((x) => x.mode === 'report')) {
            const would = new GatewayFailure('APPROVAL_REQUIRED', `report-only: ${b.reason}; this limit would have held the call for a human`).toResult(tool.def.name);
            await this.audit.append(auditEntry({ ...state, decision: 'reported' }, would), tx);
            this.logger.warn('report-only approval limit passed; the write goes on', { tool: tool.def.name, reason: b.reason });
          }
        }
        if (reason) {
          const hold = await this.approvals.holdOnce(tx, {
            caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: tool.def.name,
            arguments: args, argumentsHash: argumentsHash(args), effectHash: effect.hash, reason,
            expiresAt: new Date(Date.now() + this.config.GATEWAY_APPROVAL_TTL_SECONDS * 1000),
          });
          return { kind: 'held', approval: hold };
        }
      }
    }
    const sent = approval ? approval.arguments : args;
    await this.ledger.insertPending(tx, {
      effect, caseId: claims.caseId, taskId: claims.taskId, tenantId: claims.tenantId, agent: claims.agent, tool: tool.def.name,
      toolCallId: invocation.toolCallId, arguments: sent, argumentsHash: argumentsHash(sent), approvalId: approval?.id ?? null,
    });
    return { kind: 'execute' };
  }

  /** The approval an invocation names, checked against this case, tool and effect; refusals say what to do instead. */
  private async approvalFor(tx: PoolClient, claims: TaskTokenClaims, tool: Tool, approvalId: string, effect: Effect, args: Record<string, unknown>): Promise<ApprovalRow> {
    const approval = await this.approvals.get(approvalId, tx);
    if (!approval || approval.tenantId !== claims.tenantId || approval.caseId !== claims.caseId) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" does not exist for this case`);
    }
    if (approval.tool !== tool.def.name) throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" is for "${approval.tool}", not "${tool.def.name}"`);
    // Holds recorded before effects existed are bound to the exact arguments instead.
    const same = approval.effectHash.startsWith('legacy:') ? approval.argumentsHash === argumentsHash(args) : approval.effectHash === effect.hash;
    if (!same) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" is for another effect: ${JSON.stringify(approval.arguments)}; call with those arguments, or without approvalId to request a new approval`);
    }
    if (approval.status === 'rejected') throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" was rejected by ${approval.decidedBy ?? 'a supervisor'}${approval.decisionNote ? `: ${approval.decisionNote}` : ''}`);
    if (approval.status === 'pending') {
      if (approval.expiresAt.getTime() <= Date.now()) throw new GatewayFailure('APPROVAL_INVALID', `approval "${approvalId}" expired at ${approval.expiresAt.toISOString()} without a decision; request a new approval`);
      throw new GatewayFailure('APPROVAL_REQUIRED', `approval "${approvalId}" is still waiting for a human decision`);
    }
    return approval;
  }
}
