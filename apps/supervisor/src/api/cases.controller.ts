import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { KafkaBus } from '@switchboard/bus';
import { CaseIdSchema, CaseStatusSchema, SupervisorCommandSchema } from '@switchboard/contracts';
import { z } from 'zod';
import { CaseRepository } from '../case/case.repository';
import { QUEUE_STATUSES } from '../case/case.types';
import { ApiKeyGuard } from './api-key.guard';

const ListQuerySchema = z.object({
  status: z.string().optional().transform((s) => (s ? s.split(',') : [...QUEUE_STATUSES])).pipe(z.array(CaseStatusSchema)),
  limit: z.coerce.number().int().positive().max(500).default(100),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadRequestException({ code: 'SUPERVISOR.BAD_REQUEST', message: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') });
  return r.data;
}

/** Case API for operators and the console. Commands go through `supervisor.commands` like any other client's. */
@Controller('v1/cases')
@UseGuards(ApiKeyGuard)
export class CasesController {
  constructor(@Inject(CaseRepository) private readonly cases: CaseRepository, @Inject(KafkaBus) private readonly bus: KafkaBus) {}

  /** `?status=ESCALATED,AWAITING_APPROVAL` (default: the human queue: ESCALATED, AWAITING_APPROVAL, FAILED). */
  @Get()
  async list(@Query() query: unknown): Promise<{ cases: Array<Record<string, unknown>> }> {
    const { status, limit } = parse(ListQuerySchema, query);
    return { cases: await this.cases.list(status, limit) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    const found = await this.cases.find(parse(CaseIdSchema, id));
    if (!found) throw new NotFoundException({ code: 'SUPERVISOR.CASE_NOT_FOUND', message: `no case ${id}` });
    return found;
  }

  @Post(':id/commands')
  @HttpCode(202)
  async command(@Param('id') id: string, @Body() body: unknown): Promise<{ messageId: string }> {
    const command = parse(SupervisorCommandSchema, body);
    const found = await this.cases.peek(parse(CaseIdSchema, id));
    if (!found) throw new NotFoundException({ code: 'SUPERVISOR.CASE_NOT_FOUND', message: `no case ${id}` });
    const { state } = found;
    const envelope = this.bus.envelope('supervisor.commands', command, {
      caseId: state.caseId, tenantId: state.tenantId, region: state.region, correlationId: state.correlationId, causationId: null,
    });
    await this.bus.publish('supervisor.commands', envelope);
    return { messageId: envelope.id };
  }
}
