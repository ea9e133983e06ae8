import { Body, Controller, Get, HttpCode, Inject, Post, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import type { DemotionRow } from '../rollout/demotion.repository';
import { RolloutService } from '../rollout/rollout.service';
import { SupervisorErrorFilter } from './error.filter';
import { parseBody } from './parse';

const RestoreSchema = z.object({ tenant: z.string().min(1).max(200), intent: z.string().min(1).max(200), note: z.string().max(2000).default('') }).strict();

/** Automatic demotions of a tenant + intent to assist, and their human restore. */
@Controller('v1/rollout')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
export class RolloutController {
  constructor(@Inject(RolloutService) private readonly rollout: RolloutService) {}

  /** Active demotions first, then the most recently restored ones. */
  @Get('demotions')
  async demotions(): Promise<{ demotions: DemotionRow[] }> {
    return { demotions: await this.rollout.list() };
  }

  /** Restores a demoted tenant + intent to the mode of the policy file (role supervisor); 409 when it is not demoted. */
  @Post('demotions/restore')
  @HttpCode(200)
  @RequireSupervisor()
  restore(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<DemotionRow> {
    const r = parseBody(RestoreSchema, body);
    return this.rollout.restore(r.tenant, r.intent, actor, r.note);
  }
}
