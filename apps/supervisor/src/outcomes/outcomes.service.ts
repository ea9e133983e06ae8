import type { OutcomeGroupBy, OutcomesRepository } from './outcomes.repository';
import { outcomeReport, type OutcomeReport } from './outcomes.report';

/** Outcome tiers and cost per verified resolution over a period (`GET /v1/outcomes`). */
export class OutcomesService {
  constructor(private readonly repo: OutcomesRepository) {}

  async report(from: Date, to: Date, groupBy: OutcomeGroupBy): Promise<OutcomeReport> {
    const [tiers, groups, days] = await Promise.all([this.repo.tiers(from, to), this.repo.groups(from, to, groupBy), this.repo.days(from, to, groupBy)]);
    return outcomeReport({ from, to, groupBy, tiers, groups, days });
  }
}
