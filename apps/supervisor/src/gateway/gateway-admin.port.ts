import type { ApprovalPreview, GatewayVerdict } from '@switchboard/gateway-client';
import { SwitchboardError } from '@switchboard/observability';

/** The gateway refused or could not take a decision; `retryable` says whether trying again can help. */
export class GatewayAdminError extends SwitchboardError {
  constructor(message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super('SUPERVISOR.GATEWAY_ADMIN', retryable ? 'third_party' : 'user', message, options);
  }
}

/** Approving / rejecting held writes at the gateway, and reading its control verdicts. Implementations must be idempotent for a repeated decision. */
export abstract class GatewayAdminPort {
  abstract approve(approvalId: string, by: string): Promise<void>;
  abstract reject(approvalId: string, by: string, reason: string): Promise<void>;
  /** The gateway's control verdicts of a case (refusals, throttling, holds, approvals, replays), oldest first. */
  abstract verdicts(caseId: string): Promise<GatewayVerdict[]>;
  /** The gateway's control verdicts of every case in a period, newest first. */
  abstract verdictsSince(q: { since: string; until?: string; tenantId?: string; limit?: number }): Promise<GatewayVerdict[]>;
  /** What a pending held write would change: the gateway's read of the state now, each field before and after. */
  abstract preview(approvalId: string): Promise<ApprovalPreview>;
}
