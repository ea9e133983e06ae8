import type { OutcomeGroupBy, OutcomeGroupRow, TierRow } from './outcomes.repository';

export interface TierFigures extends TierRow {
  tokensPerCase: number | null;
  costUsdPerCase: number | null;
}

export interface OutcomeGroupFigures extends OutcomeGroupRow {
  /** Verified resolutions (verified autonomous + resolved after approval; not reopened, reply delivered) over cases. */
  verifiedRate: number | null;
  /** The LLM spend of every case of the group (escalated ones too) over its verified resolutions. */
  costPerVerifiedResolution: number | null;
}

export interface OutcomeReport {
  from: string;
  to: string;
  groupBy: OutcomeGroupBy;
  tiers: TierFigures[];
  groups: OutcomeGroupFigures[];
  /** Per UTC day of case creation and group, oldest first. */
  days: OutcomeGroupFigures[];
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null);

/**
 * Adds the rates to the counted rows. Cost per verified resolution is what a vendor billing "per resolution" would
 * have to show: all the spend, including the cases that did not resolve, divided by the resolutions that were
 * verified and held (a reopened or undelivered one does not count).
 *
 * @example
 * outcomeReport({ from, to, groupBy: 'intent', tiers, groups, days }).groups[0].costPerVerifiedResolution;
 */
export function outcomeReport(input: { from: Date; to: Date; groupBy: OutcomeGroupBy; tiers: TierRow[]; groups: OutcomeGroupRow[]; days: OutcomeGroupRow[] }): OutcomeReport {
  const figures = (r: OutcomeGroupRow): OutcomeGroupFigures => ({ ...r, verifiedRate: ratio(r.verified, r.cases), costPerVerifiedResolution: ratio(r.costUsd, r.verified) });
  return {
    from: input.from.toISOString(), to: input.to.toISOString(), groupBy: input.groupBy,
    tiers: input.tiers.map((t) => ({ ...t, tokensPerCase: ratio(t.tokens, t.cases), costUsdPerCase: ratio(t.costUsd, t.cases) })),
    groups: input.groups.map(figures),
    days: input.days.map(figures),
  };
}
