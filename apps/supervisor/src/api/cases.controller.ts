import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CaseIdSchema, CaseStatusSchema, MAX_HUMAN_REPLY_CHARS } from '@switchboard/contracts';
import { z } from 'zod';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import { QUEUE_STATUSES } from '../case/case.types';
import type { CommandRequest } from '../case/command-rules';
import { ConsoleService, type FeedbackRequest } from '../console/console.service';
import { decodeCursor, searchOf } from '../inbox/inbox.query';
import { InboxRepository, type InboxRow } from '../inbox/inbox.repository';
import { OUTCOME_TIERS } from '../outcomes/outcome-tier.types';
import { SlaClock, type CaseSla, type SlaPriority } from '../sla/sla.policy';
import { instant } from './console.controller';
import { domainErrorStatus } from './error.filter';
import { parseBody } from './parse';

const label = z.string().min(1).max(200);
const cursor = z.string().max(200).transform((raw, ctx) => decodeCursor(raw) ?? (ctx.addIssue({ code: 'custom', message: 'not a cursor this API handed out (use nextCursor of the previous page)' }), z.NEVER));

/** The inbox filters a saved view may hold (everything but paging). */
export const InboxFilterSchema = z.object({
  status: z.string().optional().transform((s) => (s ? s.split(',') : [...QUEUE_STATUSES])).pipe(z.array(CaseStatusSchema)),
  tenant: label.optional(),
  intent: label.optional(),
  region: label.optional(),
  reason: label.optional(),
  /** `me`, `none` (unassigned) or a user id. */
  assignee: label.optional(),
  /** Words (prefix matches over subject, body, requester, tenant, tools, escalation, assignee, ids) or an exact case / ticket id. */
  q: z.string().trim().max(200).optional(),
  /** Cases that arrived in [createdFrom, createdTo): ISO dates or date-times (a KPI's drill-down). */
  createdFrom: instant.optional(),
  createdTo: instant.optional(),
  /** Outcome tiers, comma-separated (a KPI's drill-down: the verified resolutions, the escalations … of a day). */
  tier: z.string().max(200).transform((s) => s.split(',')).pipe(z.array(z.enum(OUTCOME_TIERS)).min(1)).optional(),
}).strict();

const ListQuerySchema = InboxFilterSchema.extend({
  limit: z.coerce.number().int().positive().max(500).default(100),
  cursor: cursor.optional(),
  ids: z.string().max(3100).transform((s) => s.split(',')).pipe(z.array(CaseIdSchema).min(1).max(100)).optional(),
}).strict();

const approvalId = z.string().min(1).max(200);
const CommandBodySchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('approve'), approvalId, comment: z.string().max(2000).optional() }).strict(),
  z.object({ command: z.literal('reject'), approvalId, reason: z.string().trim().min(1).max(2000) }).strict(),
  z.object({ command: z.literal('take_over') }).strict(),
  z.object({ command: z.literal('close'), note: z.string().max(4000).optional() }).strict(),
  z.object({ command: z.literal('rerun'), hint: z.string().max(4000).optional() }).strict(),
  z.object({ command: z.literal('claim') }).strict(),
  z.object({ command: z.literal('release') }).strict(),
  z.object({ command: z.literal('reassign'), to: label }).strict(),
  /** The reply to send (the agents' draft, edited); `run`: the run the console showed, so a re-run in between is a 409. */
  z.object({ command: z.literal('send_reply'), body: z.string().trim().min(1).max(MAX_HUMAN_REPLY_CHARS), run: z.number().int().positive().optional() }).strict(),
]);
/** Commands that may be sent to many cases at once; approvals and replies are decided case by case, after a look. */
const BulkCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('close'), note: z.string().max(4000).optional() }).strict(),
  z.object({ command: z.literal('rerun'), hint: z.string().max(4000).optional() }).strict(),
  z.object({ command: z.literal('claim') }).strict(),
  z.object({ command: z.literal('release') }).strict(),
  z.object({ command: z.literal('reassign'), to: label }).strict(),
]);
const BulkBodySchema = z.object({
  caseIds: z.array(CaseIdSchema).min(1).max(100).refine((ids) => new Set(ids).size === ids.length, 'caseIds: each case once'),
  command: BulkCommandSchema,
}).strict();

/** One case's answer to a bulk command: as if the command had been sent to it alone. */
export type BulkResult = { caseId: string; ok: true; decisionId: string } | { caseId: string; ok: false; status: number; code: string; message: string };

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
export class CasesController {
  constructor(
    @Inject(InboxRepository) private readonly inbox: InboxRepository,
    @Inject(ConsoleService) private readonly console: ConsoleService,
    @Inject(SlaClock) private readonly sla: SlaClock,
  ) {}

  /**
   * The inbox, one page in queue order (most urgent, then most recently changed); `nextCursor` fetches the next.
   * Default: the human queue (ESCALATED, AWAITING_APPROVAL, FAILED). `ids` narrows to given cases (live updates).
   */
  @Get()
  async list(@Query() query: unknown, @CurrentActor() actor: Actor): Promise<{ cases: Array<InboxRow & { sla: CaseSla }>; nextCursor: string | null }> {
    const { status, limit, q, assignee, cursor: after, ids, tenant, intent, region, reason, createdFrom, createdTo, tier } = parseBody(ListQuerySchema, query);
    const page = await this.inbox.page({
      statuses: status, limit, tenant, intent, region, reason, ids, after, createdFrom, createdTo, tiers: tier,
      ...(q ? { search: searchOf(q) } : {}),
      ...(assignee ? { assignee: assignee === 'me' ? actor.userId : assignee === 'none' ? null : assignee } : {}),
    });
    // Each row's SLA (its tenant's and priority's allowance from arrival): the console ticks it down.
    return { ...page, cases: page.cases.map((c) => ({ ...c, sla: this.sla.of(c.tenant_id, c.priority, c.created_at) })) };
  }

  /** Case, ticket, context, transitions, trace, outcomes, handoff packet, decisions and feedback. */
  @Get(':id')
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    const view = await this.console.caseView(parseBody(CaseIdSchema, id));
    const priority = ((view['context'] as { triage?: { priority?: SlaPriority } } | null)?.triage?.priority ?? (view['ticket'] as { priority: SlaPriority }).priority);
    return { ...view, sla: { ...this.sla.of(view['tenant_id'] as string, priority, view['created_at'] as Date), priority } };
  }

  /**
   * One command (close, re-run, claim, release, reassign) to up to 100 cases, each decided on its own as if sent
   * alone — its own checks, decision-log entry and outbox message — with a result per case: a case that refuses
   * (already closed, claimed by someone else) does not stop the others. 200 with the results, in the order given.
   */
  @Post('commands')
  @HttpCode(200)
  @RequireSupervisor()
  async bulk(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<{ results: BulkResult[] }> {
    const { caseIds, command } = parseBody(NoActorInBody.pipe(BulkBodySchema), body);
    const results: BulkResult[] = [];
    for (const caseId of caseIds) {
      try {
        const { decisionId } = await this.console.command(caseId, command as CommandRequest, actor);
        results.push({ caseId, ok: true, decisionId });
      } catch (error) {
        const status = domainErrorStatus(error);
        if (status === undefined) throw error;
        results.push({ caseId, ok: false, status, code: (error as { code: string }).code, message: (error as Error).message });
      }
    }
    return { results };
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
