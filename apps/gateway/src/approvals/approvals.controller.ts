import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApprovalPreviewService } from './approval-preview';
import { ApprovalService } from './approval.service';

type AuthHeaders = { authorization?: string; 'x-admin-key'?: string | string[] };

@Controller('v1/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalService, private readonly previews: ApprovalPreviewService) {}

  /** What the held write would change: the state read now beside what it will read afterwards (service key). */
  @Get(':id/preview')
  preview(@Param('id') id: string, @Req() req: Request): Promise<Record<string, unknown>> {
    return this.previews.preview(id, req.headers as AuthHeaders);
  }

  @Get(':id')
  get(@Param('id') id: string, @Req() req: Request): Promise<Record<string, unknown>> {
    return this.approvals.get(id, req.headers as AuthHeaders);
  }

  @Post(':id/approve')
  @HttpCode(200)
  approve(@Param('id') id: string, @Body() body: unknown, @Req() req: Request): Promise<Record<string, unknown>> {
    return this.approvals.decide(id, 'approved', body, req.headers as AuthHeaders);
  }

  @Post(':id/reject')
  @HttpCode(200)
  reject(@Param('id') id: string, @Body() body: unknown, @Req() req: Request): Promise<Record<string, unknown>> {
    return this.approvals.decide(id, 'rejected', body, req.headers as AuthHeaders);
  }
}
