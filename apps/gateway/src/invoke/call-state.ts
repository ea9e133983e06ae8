import type { TaskTokenClaims, ToolInvocation, ToolResult } from '@switchboard/contracts';
import type { AuditEntry } from '../audit/audit.repository';

/** `reported`: a rule in report-only mode would have refused the call; its own audit row, the call goes on. */
export type Decision = 'denied' | 'throttled' | 'allowed' | 'replayed' | 'held' | 'approved' | 'reported';

/** What is known about a call so far; grows as the pipeline passes each check (feeds the audit row). */
export interface CallState {
  tool: string;
  started: number;
  claims?: TaskTokenClaims;
  invocation?: ToolInvocation;
  rawArguments?: unknown;
  decision: Decision;
  idempotencyKey?: string;
  approvalId?: string;
  /** The version of the rules that decided the call: the tool's once it is known, else the catalogue's. */
  ruleVersion?: string;
}

/** The audit row of a call as far as it got. */
export function auditEntry(state: CallState, result: ToolResult): AuditEntry {
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
    ruleVersion: state.ruleVersion ?? null,
  };
}
