import { outcomeReport } from './outcomes.report';
import type { OutcomeGroupRow } from './outcomes.repository';

const row = (over: Partial<OutcomeGroupRow>): OutcomeGroupRow => ({
  group: 'refund', cases: 0, verified: 0, verifiedAutonomous: 0, resolvedAfterApproval: 0, assisted: 0, escalated: 0, reopened: 0, undelivered: 0, inProgress: 0, tokens: 0, costUsd: 0, ...over,
});
const from = new Date('2026-11-01T00:00:00Z');
const to = new Date('2026-11-08T00:00:00Z');

describe('outcome report', () => {
  it('divides the whole spend of a group by its verified resolutions, and the verified ones by all cases', () => {
    const sut = outcomeReport({ from, to, groupBy: 'intent', tiers: [], days: [], groups: [row({ cases: 4, verified: 2, verifiedAutonomous: 1, resolvedAfterApproval: 1, escalated: 1, reopened: 1, costUsd: 0.06, tokens: 900 })] });
    expect(sut.groups[0]).toMatchObject({ verifiedRate: 0.5, costPerVerifiedResolution: 0.03 });
  });

  it('has no cost per verified resolution (not zero, not infinity) when nothing was verified', () => {
    const sut = outcomeReport({ from, to, groupBy: 'model', tiers: [{ tier: 'escalated', cases: 0, tokens: 0, costUsd: 0 }], days: [row({ day: '2026-11-02', cases: 2, escalated: 2, costUsd: 0.02 })], groups: [] });
    expect(sut.days[0]).toMatchObject({ day: '2026-11-02', verifiedRate: 0, costPerVerifiedResolution: null });
    expect(sut.tiers[0]).toMatchObject({ tokensPerCase: null, costUsdPerCase: null });
    expect(sut).toMatchObject({ from: from.toISOString(), to: to.toISOString(), groupBy: 'model' });
  });

  it('gives tokens and cost per case of each tier', () => {
    const sut = outcomeReport({ from, to, groupBy: 'none', groups: [], days: [], tiers: [{ tier: 'verified_autonomous', cases: 3, tokens: 1500, costUsd: 0.03 }] });
    expect(sut.tiers).toEqual([{ tier: 'verified_autonomous', cases: 3, tokens: 1500, costUsd: 0.03, tokensPerCase: 500, costUsdPerCase: 0.01 }]);
  });
});
