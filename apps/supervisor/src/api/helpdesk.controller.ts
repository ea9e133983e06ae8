import { Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { CaseIdSchema, DeliveryIdSchema } from '@switchboard/contracts';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import { HelpdeskConsoleService } from '../helpdesk/helpdesk-console.service';
import { parseBody } from './parse';

/** Helpdesk actions on a case; the delivery states themselves are part of `GET /v1/cases/{id}` (`state.helpdesk`). */
@Controller('v1/cases')
@UseGuards(ActorGuard)
export class HelpdeskController {
  constructor(@Inject(HelpdeskConsoleService) private readonly helpdesk: HelpdeskConsoleService) {}

  /** Re-sends a delivery that failed for good (role supervisor): 202, then the case shows the new delivery state. */
  @Post(':id/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @RequireSupervisor()
  resend(@Param('id') id: string, @Param('deliveryId') deliveryId: string, @CurrentActor() actor: Actor): Promise<{ messageId: string; decisionId: string }> {
    return this.helpdesk.resend(parseBody(CaseIdSchema, id), parseBody(DeliveryIdSchema, deliveryId), actor);
  }
}
