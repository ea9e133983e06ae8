import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ActorGuard } from '../auth/actor.guard';
import { OUTCOME_GROUPS } from '../outcomes/outcomes.repository';
import type { OutcomeReport } from '../outcomes/outcomes.report';
import { OutcomesService } from '../outcomes/outcomes.service';
import { instant, period } from './console.controller';
import { parseBody } from './parse';

const OutcomesQuerySchema = z.object({ from: instant.optional(), to: instant.optional(), groupBy: z.enum(OUTCOME_GROUPS).default('intent') }).strict();

/** Outcome tiers and cost per verified resolution (any signed-in user or API key). */
@Controller('v1')
@UseGuards(ActorGuard)
export class OutcomesController {
  constructor(@Inject(OutcomesService) private readonly outcomes: OutcomesService) {}

  /** `?from=&to=&groupBy=intent|tenant|procedure|model|region|none` (default: the last 7 days by intent). */
  @Get('outcomes')
  report(@Query() query: unknown): Promise<OutcomeReport> {
    const q = parseBody(OutcomesQuerySchema, query);
    const { from, to } = period(q, 7);
    return this.outcomes.report(from, to, q.groupBy);
  }
}
