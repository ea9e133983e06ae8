import { Body, Controller, Get, Headers, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ToolDescriptor, ToolResult } from '@switchboard/contracts';
import { extractTraceContext, inSpan, injectTraceContext, SpanKind } from '@switchboard/observability';
import { httpStatusOf } from './gateway-failure';
import { InvokeService } from './invoke.service';

@Controller('v1/tools')
export class ToolsController {
  constructor(private readonly invoke: InvokeService) {}

  @Get()
  list(@Headers('authorization') authorization: string | undefined): Promise<ToolDescriptor[]> {
    return this.invoke.listTools(authorization);
  }

  @Post(':name/invoke')
  async call(@Param('name') name: string, @Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ToolResult> {
    const result = await inSpan(`gateway invoke ${name}`, { kind: SpanKind.SERVER, parent: extractTraceContext(req.headers), attributes: { 'tool.name': name } }, () =>
      this.invoke.invoke({ authorization: req.headers.authorization, tool: name, body, traceHeaders: injectTraceContext({}) }),
    );
    res.status(httpStatusOf(result));
    if (result.status === 'error' && result.error.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.ceil(result.error.retryAfterMs / 1000)));
    return result;
  }
}
