import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CaseIdSchema } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { z } from 'zod';
import { CurrentActor, RequireSupervisor, type Actor } from '../auth/actor';
import { ActorGuard } from '../auth/actor.guard';
import { DueQuarantineRepository, type QuarantinedCase } from '../case/due-quarantine.repository';
import { parseBody } from './parse';

const ListQuerySchema = z.object({ limit: z.coerce.number().int().positive().max(500).default(100) }).strict();

/**
 * Cases the due scanner quarantined because their ticks kept failing (docs/operations.md): who they are and why, and
 * the release that returns one to the scan once the cause is fixed.
 */
@Controller('v1/due-quarantine')
@UseGuards(ActorGuard)
export class QuarantineController {
  private readonly logger = new JsonLogger(QuarantineController.name);

  constructor(@Inject(DueQuarantineRepository) private readonly quarantine: DueQuarantineRepository) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ cases: QuarantinedCase[] }> {
    const { limit } = parseBody(ListQuerySchema, query);
    return { cases: await this.quarantine.list(limit) };
  }

  @Post(':id/release')
  @HttpCode(200)
  @RequireSupervisor()
  async release(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<{ caseId: string; released: true }> {
    const caseId = parseBody(CaseIdSchema, id);
    if (!(await this.quarantine.release(caseId))) {
      throw new NotFoundException({ code: 'SUPERVISOR.NOT_QUARANTINED', message: `case ${caseId} is not quarantined` });
    }
    this.logger.info('quarantined case released to the due scanner', { caseId, by: actor.userId });
    return { caseId, released: true };
  }
}
