import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { JsonLogger } from '@switchboard/observability';
import { TaskAuthService } from '../auth/task-auth.service';
import { zodIssues } from '../catalog/schema-validator';
import { GatewayFailure } from '../invoke/gateway-failure';
import { ApprovalRepository, type ApprovalRow } from './approval.repository';

export const ApproveBodySchema = z.strictObject({ approvedBy: z.string().min(1).max(200), note: z.string().max(2000).optional() });
export const RejectBodySchema = z.strictObject({ rejectedBy: z.string().min(1).max(200), reason: z.string().max(2000).optional() });

/** The approval as the API shows it; `expired` is derived, not stored. */
export function approvalView(row: ApprovalRow, now = Date.now()): Record<string, unknown> {
  const expired = (row.status === 'pending' || row.status === 'approved') && row.expiresAt.getTime() <= now;
  return {
    approvalId: row.id,
    status: expired ? 'expired' : row.status,
    tool: row.tool,
    caseId: row.caseId,
    tenantId: row.tenantId,
    arguments: row.arguments,
    reason: row.reason,
    expiresAt: row.expiresAt.toISOString(),
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    executedAt: row.executedAt?.toISOString() ?? null,
  };
}

/** Reading and deciding approval holds. Deciding never executes: the approved call is re-invoked by an agent. */
@Injectable()
export class ApprovalService {
  private readonly logger = new JsonLogger(ApprovalService.name);

  constructor(private readonly approvals: ApprovalRepository, private readonly auth: TaskAuthService) {}

  /** The supervisor (service key) sees any approval; a task token only those of its own case. */
  async get(id: string, headers: { authorization?: string; 'x-admin-key'?: string | string[] }): Promise<Record<string, unknown>> {
    const admin = this.auth.isAdmin(headers);
    const claims = admin ? undefined : await this.auth.authenticate(headers.authorization);
    const row = await this.approvals.get(id);
    if (!row || (claims && (claims.caseId !== row.caseId || claims.tenantId !== row.tenantId))) {
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${id}" does not exist${claims ? ' for this case' : ''}`);
    }
    return approvalView(row);
  }

  async decide(id: string, decision: 'approved' | 'rejected', body: unknown, headers: { authorization?: string; 'x-admin-key'?: string | string[] }): Promise<Record<string, unknown>> {
    if (!this.auth.isAdmin(headers)) throw new GatewayFailure('TOKEN_INVALID', 'approving and rejecting need the gateway service key (X-Admin-Key)');
    const schema = decision === 'approved' ? ApproveBodySchema : RejectBodySchema;
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new GatewayFailure('ARGUMENTS_INVALID', 'invalid decision body', { issues: zodIssues(parsed.error) });
    const by = 'approvedBy' in parsed.data ? parsed.data.approvedBy : parsed.data.rejectedBy;
    const note = 'note' in parsed.data ? parsed.data.note : 'reason' in parsed.data ? parsed.data.reason : undefined;
    const outcome = await this.approvals.decide(id, decision, by, note ?? null);
    if (!outcome) throw new GatewayFailure('APPROVAL_INVALID', `approval "${id}" does not exist`);
    if (!outcome.changed) {
      const view = approvalView(outcome.row);
      // Repeating the same decision is harmless (supervisor retries); anything else is a conflict.
      if (outcome.row.status === decision && outcome.row.decidedBy === by) return view;
      throw new GatewayFailure('APPROVAL_INVALID', `approval "${id}" cannot be ${decision}: it is ${String(view.status)}`);
    }
    this.logger.info(`approval ${decision}`, { approvalId: id, by, caseId: outcome.row.caseId });
    return approvalView(outcome.row);
  }
}
