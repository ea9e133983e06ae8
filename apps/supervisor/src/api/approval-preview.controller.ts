import { BadGatewayException, ConflictException, Controller, Get, Inject, Param, UseFilters, UseGuards } from '@nestjs/common';
import { Pool } from 'pg';
import { CaseIdSchema } from '@switchboard/contracts';
import type { ApprovalPreview } from '@switchboard/gateway-client';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ActorGuard } from '../auth/actor.guard';
import { CaseNotFoundError } from '../console/console.service';
import { GatewayAdminPort } from '../gateway/gateway-admin.port';
import { SupervisorErrorFilter } from './error.filter';
import { parseBody } from './parse';

/**
 * What approving a case's held write would change (docs/supervisor.md "Approvals"): the gateway reads the state now,
 * with its own backend credentials, and answers each field before and after — the supervisor holds no backend
 * credential and only relays it. 409 when the case holds nothing to approve, 502 when the gateway cannot answer.
 */
@Controller('v1/cases')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
export class ApprovalPreviewController {
  private readonly logger = new JsonLogger(ApprovalPreviewController.name);

  constructor(@Inject(Pool) private readonly pool: Pool, @Inject(GatewayAdminPort) private readonly gateway: GatewayAdminPort) {}

  @Get(':id/approval/preview')
  async preview(@Param('id') id: string): Promise<ApprovalPreview> {
    const caseId = parseBody(CaseIdSchema, id);
    const { rows } = await this.pool.query<{ status: string; approvalId: string | null }>(
      `SELECT status, state->'approval'->>'approvalId' AS "approvalId" FROM supervisor.cases WHERE case_id = $1`, [caseId]);
    const row = rows[0];
    if (!row) throw new CaseNotFoundError(caseId);
    if (row.status !== 'AWAITING_APPROVAL' || !row.approvalId) throw new ConflictException(`case ${caseId} is ${row.status}: it holds no action awaiting approval`);
    try {
      return await this.gateway.preview(row.approvalId);
    } catch (error) {
      const info = describeError(error);
      this.logger.warn('the gateway could not preview the held action', { caseId, approvalId: row.approvalId, error: info });
      throw new BadGatewayException(`the gateway could not preview the held action: ${info.message}`);
    }
  }
}
