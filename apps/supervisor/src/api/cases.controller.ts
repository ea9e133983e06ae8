import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { CaseIdSchema, CaseStatusSchema } from '@switchboard/contracts';
import { z } from 'zod';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import { CaseRepository } from '../case/case.repository';
import { QUEUE_STATUSES } from '../case/case.types';
import { ConsoleService, type CommandRequest, type FeedbackRequest } from '../console/console.service';
import { SupervisorErrorFilter } from './error.filter';
import { parseBody } from './parse';

const label = z.string().min(1).max(200);
const ListQuerySchema = z.object({
  status: z.string().optional().transform((s) => (s ? s.split(',') : [...QUEUE_STATUSES])).pipe(z.array(CaseStatusSchema)),
  limit: z.coerce.number().int().positive().max(500).default(100),
  tenant: label.optional(),
  intent: label.optional(),
  region: label.optional(),
  reason: label.optional(),
}).strict();

const approvalId = z.string().min(1).max(200);
const CommandBodySchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('approve'), approvalId, comment: z.string().max(2000).optional() }).strict(),
  z.object({ command: z.literal('reject'), approvalId, reason: z.string().trim().min(1).max(2000) }).strict(),
  z.object({ command: z.literal('take_over') }).strict(),
  z.object({ command: z.literal('close'), note: z.string().max(4000).optional() }).strict(),
  z.object({ command: z.literal('rerun'), hint: z.string().max(4000).optional() }).strict(),
]);
const NoActorInBody = z.custom((v) => !(v && typeof v === 'object' && 'by' in v), { message: '`by` is taken from your session or API key; remove it from the body' });

const FeedbackBodySchema = z.object({
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('step'), ref: z.string().regex(/^\d{1,18}$/, 'ref: the id of a trace step') }).strict(),
    z.object({ kind: z.literal('outcome'), ref: z.string().max(200).optional() }).strict(),
    z.object({ kind: z.literal('note'), ref: z.string().max(200).optional() }).strict(),
  ]),
  rating: z.enum(['up', 'down']),
  comment: z.string().max(4000).default(''),
}).strict();

/**
 * Case API for the console and machine clients. Reads need any signed-in user or API key; commands need role
 * supervisor, are attributed to the caller and go through `supervisor.commands` like any other client's.
 */
@Controller('v1/cases')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
export class CasesController {
  constructor(@Inject(CaseRepository) private readonly cases: CaseRepository, @Inject(ConsoleService) private readonly console: ConsoleService) {}

  /** The inbox. Default: the human queue (ESCALATED, AWAITING_APPROVAL, FAILED); filters tenant, intent, region, reason. */
  @Get()
  async list(@Query() query: unknown): Promise<{ cases: Array<Record<string, unknown>> }> {
    const { status, limit, ...filters } = parseBody(ListQuerySchema, query);
    return { cases: await this.cases.list(status, limit, filters) };
  }

  /** Case, ticket, context, transitions, trace, outcomes, handoff packet, decisions and feedback. */
  @Get(':id')
  get(@Param('id') id: string): Promise<Record<string, unknown>> {
    return this.console.caseView(parseBody(CaseIdSchema, id));
  }

  @Post(':id/commands')
  @HttpCode(202)
  @RequireSupervisor()
  command(@Param('id') id: string, @Body() body: unknown, @CurrentActor() actor: Actor): Promise<{ messageId: string; decisionId: string }> {
    const request = parseBody(NoActorInBody.pipe(CommandBodySchema), body) as CommandRequest;
    return this.console.command(parseBody(CaseIdSchema, id), request, actor);
  }

  /** Thumbs up/down on a trace step, the outcome or a shadow/assist note; any signed-in user. */
  @Post(':id/feedback')
  @HttpCode(201)
  feedback(@Param('id') id: string, @Body() body: unknown, @CurrentActor() actor: Actor): Promise<{ id: string; at: string }> {
    const request = parseBody(FeedbackBodySchema, body) as FeedbackRequest;
    return this.console.feedback(parseBody(CaseIdSchema, id), request, actor);
  }
}
