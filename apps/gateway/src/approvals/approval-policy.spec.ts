import { gatewayAppPath } from '../paths';
import { loadCatalog } from '../catalog/tool-catalog';
import { approvalReason, cumulativeBreaches, cumulativeLimits, cumulativeReason } from './approval-policy';

const catalog = loadCatalog(gatewayAppPath('catalog', 'acme.tools.yaml'), { backends: ['acme'] });
const refund = catalog.get('issue_refund')!;
const unlock = catalog.get('unlock_account')!;
const none = { amount: 0, calls: 0 };

describe('approval policy', () => {
  it('holds one refund above the per-call threshold, not one at it', () => {
    expect(approvalReason(refund, { amount: 100 })).toBeUndefined();
    expect(approvalReason(refund, { amount: 100.01 })).toBe('amount 100.01 is above the approval threshold 100 for issue_refund');
    expect(approvalReason(unlock, { email: 'a@b.co' })).toBeUndefined();
  });

  const limits = cumulativeLimits(refund);
  const call = (amount: number) => ({ amount, values: { tenantId: 'globex', invoiceId: 'inv_1', amount } });

  it('holds a refund that takes the case total above the limit (two of 60), not one that reaches it exactly', () => {
    expect(cumulativeReason(refund, limits, [none, none, none], call(60))).toBeUndefined();
    expect(cumulativeReason(refund, limits, [{ amount: 40, calls: 1 }, none, none], call(60))).toBeUndefined();
    expect(cumulativeReason(refund, limits, [{ amount: 60, calls: 1 }, none, none], call(60)))
      .toBe('issue_refund: amount 60 would bring the total in this case to 120, above the approval limit 100');
  });

  it('names the scope that was passed: the invoice, or the tenant over 24 hours', () => {
    expect(cumulativeReason(refund, limits, [none, { amount: 90, calls: 2 }, none], call(20)))
      .toBe('issue_refund: amount 20 would bring the total for invoiceId "inv_1" to 110, above the approval limit 100');
    expect(cumulativeReason(refund, limits, [none, none, { amount: 250, calls: 5 }], call(60)))
      .toBe('issue_refund: amount 60 would bring the total for this tenant in the last 24 hours to 310, above the approval limit 300');
  });

  it('compares money on a decimal grid (0.1 + 0.2 is not above 0.3)', () => {
    const tight = [{ per: 'case' as const, amountAbove: 0.3 }];
    expect(cumulativeReason(refund, tight, [{ amount: 0.1, calls: 1 }], call(0.2))).toBeUndefined();
    expect(cumulativeReason(refund, tight, [{ amount: 0.1, calls: 1 }], call(0.21))).toBeDefined();
  });

  it('lists every limit passed with its mode; a report-only limit alone holds nothing', () => {
    const mixed = [{ per: 'case' as const, amountAbove: 100, mode: 'report' as const }, { per: 'tenant-day' as const, amountAbove: 300 }];
    const totals = [{ amount: 60, calls: 1 }, { amount: 250, calls: 5 }];
    expect(cumulativeBreaches(refund, mixed, totals, call(60)).map((b) => [b.mode, b.reason])).toEqual([
      ['report', 'issue_refund: amount 60 would bring the total in this case to 120, above the approval limit 100'],
      ['enforce', 'issue_refund: amount 60 would bring the total for this tenant in the last 24 hours to 310, above the approval limit 300'],
    ]);
    // The enforcing limit holds; without it, the report-only one alone does not.
    expect(cumulativeReason(refund, mixed, totals, call(60))).toContain('for this tenant in the last 24 hours');
    expect(cumulativeReason(refund, mixed, [totals[0]!, { amount: 0, calls: 0 }], call(60))).toBeUndefined();
    expect(cumulativeBreaches(refund, mixed, [totals[0]!, { amount: 0, calls: 0 }], call(60)).map((b) => b.mode)).toEqual(['report']);
  });

  it('counts calls for callsAbove limits', () => {
    const unlocks = cumulativeLimits(unlock);
    const at = { amount: null, values: { tenantId: 'globex', email: 'a@b.co' } };
    expect(cumulativeReason(unlock, unlocks, [{ amount: 0, calls: 4 }], at)).toBeUndefined();
    expect(cumulativeReason(unlock, unlocks, [{ amount: 0, calls: 5 }], at))
      .toBe('unlock_account: this would be call 6 for this tenant in the last 24 hours, above the approval limit of 5');
  });
});
