import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Put, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import { InboxRepository, type SavedView } from '../inbox/inbox.repository';
import { InboxFilterSchema } from './cases.controller';
import { parseBody } from './parse';

const MAX_VIEWS = 50;
const ViewNameSchema = z.string().min(1).max(60).regex(/^[\p{L}\p{N} _.-]+$/u, 'letters, digits, spaces and _ . - only');
/** The inbox's own query parameters, checked as the inbox checks them, so a saved view always opens. */
const ViewBodySchema = z.object({
  query: z.record(z.string(), z.string().max(200)).superRefine((query, ctx) => {
    const r = InboxFilterSchema.safeParse(query);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }),
}).strict();

/** Saved inbox views per user (name → the inbox's filters and search); any signed-in user, each sees only their own. */
@Controller('v1/views')
@UseGuards(ActorGuard)
export class ViewsController {
  constructor(@Inject(InboxRepository) private readonly inbox: InboxRepository) {}

  @Get()
  async list(@CurrentActor() actor: Actor): Promise<{ views: SavedView[] }> {
    return { views: await this.inbox.views(actor.userId) };
  }

  @Put(':name')
  async save(@Param('name') name: string, @Body() body: unknown, @CurrentActor() actor: Actor): Promise<{ name: string; query: Record<string, string> }> {
    const viewName = parseBody(ViewNameSchema, name);
    const { query } = parseBody(ViewBodySchema, body);
    if (!(await this.inbox.saveView(actor.userId, viewName, query, MAX_VIEWS))) {
      throw new UnprocessableEntityException({ code: 'SUPERVISOR.TOO_MANY_VIEWS', message: `at most ${MAX_VIEWS} saved views per user; delete one first` });
    }
    return { name: viewName, query };
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string, @CurrentActor() actor: Actor): Promise<void> {
    if (!(await this.inbox.deleteView(actor.userId, parseBody(ViewNameSchema, name)))) {
      throw new NotFoundException({ code: 'SUPERVISOR.VIEW_NOT_FOUND', message: `no saved view ${name}` });
    }
  }
}
