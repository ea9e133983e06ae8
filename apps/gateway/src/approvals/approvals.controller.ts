import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApprovalService } from './approval.service';

type AuthHeaders = { authorization?: string; 'x-admin-key'?: string | string[] };

@Controller('v1/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalService) {}

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
