import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import type { DemotionRow } from '../rollout/demotion.repository';
import type { PromotionRow } from '../rollout/promotion.repository';
import { RolloutService } from '../rollout/rollout.service';
import { parseBody } from './parse';

const RestoreSchema = z.object({ tenant: z.string().min(1).max(200), intent: z.string().min(1).max(200), note: z.string().max(2000).default('') }).strict();
const PairSchema = z.object({ tenant: z.string().min(1).max(200), intent: z.string().min(1).max(200) }).strict();
const PromoteSchema = RestoreSchema.extend({ to: z.enum(['assist', 'autonomous']) }).strict();

/** Automatic demotions of a tenant + intent to assist and their human restore; promotions by command, with evidence. */
@Controller('v1/rollout')
@UseGuards(ActorGuard)
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

  /** The evidence for promoting a tenant + intent, with the verdict for assist and for autonomous. */
  @Get('evidence')
  evidence(@Query() query: unknown): ReturnType<RolloutService['evidence']> {
    const q = parseBody(PairSchema, query);
    return this.rollout.evidence(q.tenant, q.intent);
  }

  /** Active promotions first, then the most recently revoked ones. */
  @Get('promotions')
  async promotions(): Promise<{ promotions: PromotionRow[] }> {
    return { promotions: await this.rollout.listPromotions() };
  }

  /** Raises a tenant + intent's mode when its evidence allows it (role supervisor); 422 listing what is missing, 409 when it would not raise it. */
  @Post('promotions')
  @HttpCode(200)
  @RequireSupervisor()
  promote(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<PromotionRow> {
    const r = parseBody(PromoteSchema, body);
    return this.rollout.promote(r.tenant, r.intent, r.to, actor, r.note);
  }

  /** Withdraws a promotion (role supervisor): new cases of the pair resolve by the policy file again; 409 when none. */
  @Post('promotions/revoke')
  @HttpCode(200)
  @RequireSupervisor()
  revoke(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<PromotionRow> {
    const r = parseBody(RestoreSchema, body);
    return this.rollout.revokePromotion(r.tenant, r.intent, actor, r.note);
  }
}
