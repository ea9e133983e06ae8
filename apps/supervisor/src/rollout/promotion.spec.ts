import { PolicySchema, resolvePolicy } from '../policy/policy.schema';
import { promotionVerdict, type PromotionEvidence } from './promotion';

const T = { windowDays: 30, minRatedCases: 4, minApproval: 0.75, maxVerificationFailures: 0 };
const evidence = (over: Partial<PromotionEvidence> = {}): PromotionEvidence => ({
  tenantId: 'globex', intent: 'refund', mode: 'shadow', modeSource: 'default', windowDays: 30, cases: { shadow: 10, assist: 0, autonomous: 0 },
  ratings: { assist: { ratedCases: 4, approvedCases: 3 }, autonomous: { ratedCases: 4, approvedCases: 3 } },
  verificationFailures: 0, agreement: { repliesSent: 0, repliesUnedited: 0, approvalsDecided: 0, approvalsApproved: 0 }, simulations: [{ procedure: 'refund-paid-invoice@1', tests: 2, passed: 2, failures: [] }], latestCaseId: 'case_1', ...over,
});

describe('promotionVerdict', () => {
  it('promotes to assist on enough rated shadow cases approved by the share asked', () => {
    expect(promotionVerdict(evidence(), 'assist', T)).toEqual({ ready: true });
  });

  it('names every missing piece: too few rated cases, too low an approval', () => {
    const sut = promotionVerdict(evidence({ ratings: { assist: { ratedCases: 3, approvedCases: 1 }, autonomous: { ratedCases: 3, approvedCases: 1 } } }), 'assist', T);
    expect(sut).toEqual({ ready: false, missing: ['3 rated shadow cases in 30 days (needs 4)', '1 of 3 rated cases approved (33.3 %; needs 75 %)'] });
  });

  it('to autonomous also needs no verification failures over the allowance and every procedure simulated green', () => {
    expect(promotionVerdict(evidence(), 'autonomous', T)).toEqual({ ready: true });
    const sut = promotionVerdict(evidence({
      verificationFailures: 1,
      simulations: [{ procedure: 'a@1', tests: 0, passed: 0, failures: [] }, { procedure: 'b@2', tests: 2, passed: 1, failures: ['happy: refund not read back'] }],
    }), 'autonomous', T);
    expect(sut).toEqual({ ready: false, missing: [
      '1 verification failures in 30 days (allows 0)', 'procedure a@1 has no simulation', 'procedure b@2: 1 of 2 simulations fail (happy: refund not read back)',
    ] });
    expect(promotionVerdict(evidence({ simulations: [] }), 'autonomous', T)).toEqual({ ready: false, missing: ['intent refund has no procedure to simulate'] });
  });

  it('with minAgreement, needs humans\' replies and approval decisions to agree with the proposals by that share', () => {
    const A = { ...T, minAgreement: 0.8 };
    expect(promotionVerdict(evidence(), 'assist', T)).toEqual({ ready: true }); // not asked: not required
    expect(promotionVerdict(evidence(), 'assist', A)).toEqual({ ready: false, missing: ['no human reply or approval decision in 30 days to compare the proposals with (needs 80 % agreement)'] });
    // 3 replies sent unedited of 4, 2 approvals of 2 decided: 5 of 6 agree.
    const agreeing = { repliesSent: 4, repliesUnedited: 3, approvalsDecided: 2, approvalsApproved: 2 };
    expect(promotionVerdict(evidence({ agreement: agreeing }), 'autonomous', A)).toEqual({ ready: true });
    expect(promotionVerdict(evidence({ agreement: { ...agreeing, approvalsApproved: 0 } }), 'assist', A))
      .toEqual({ ready: false, missing: ['3 of 6 human replies and approval decisions agree with the proposals (50 %; needs 80 %)'] });
  });
});

describe('resolvePolicy with promotions', () => {
  const policy = PolicySchema.parse({ version: 1, defaultMode: 'shadow', overrides: [{ tenant: 'initech', mode: 'autonomous' }] });

  it('raises the mode of the promoted pair only, and never lowers one', () => {
    const promoted = { ...policy, promoted: { 'globex|refund': 'assist' as const, 'initech|refund': 'assist' as const } };
    expect(resolvePolicy(promoted, 'globex', 'refund')).toMatchObject({ mode: 'assist', modeSource: 'promoted' });
    expect(resolvePolicy(promoted, 'globex', 'how_to')).toMatchObject({ mode: 'shadow', modeSource: 'default' });
    expect(resolvePolicy(promoted, 'initech', 'refund')).toMatchObject({ mode: 'autonomous', modeSource: 'tenant' });
  });

  it('a demotion still applies on top of a promotion to autonomous', () => {
    const both = { ...policy, promoted: { 'globex|refund': 'autonomous' as const }, demoted: ['globex|refund'] };
    expect(resolvePolicy(both, 'globex', 'refund')).toMatchObject({ mode: 'assist', modeSource: 'demoted' });
  });
});
