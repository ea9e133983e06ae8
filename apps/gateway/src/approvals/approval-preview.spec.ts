import { valueAt } from '@switchboard/contracts';
import { previewOf, previewRows } from './approval-preview';

describe('approval previews', () => {
  it('computes each field before and after from the state read now and the held arguments', () => {
    const rows = previewRows({
      tool: 'get_invoice', arguments: {},
      fields: [
        { path: 'status', label: 'Status' },
        { path: 'refundedTotal', after: { plusArgument: 'amount' } },
        { path: 'remaining', label: 'Refundable', after: { minusArgument: 'amount' } },
        { path: 'refunds.-1.amount', after: { equalsArgument: 'amount' } },
        { path: 'locked', after: { equals: false } },
      ],
    }, { status: 'paid', refundedTotal: 0.1, remaining: 249.9, refunds: [{ amount: 10 }], locked: true }, { amount: 0.2 });
    expect(rows).toEqual([
      { path: 'status', label: 'Status', before: 'paid', after: 'paid', changes: false },
      { path: 'refundedTotal', label: 'refundedTotal', before: 0.1, after: 0.3, changes: true },
      { path: 'remaining', label: 'Refundable', before: 249.9, after: 249.7, changes: true },
      { path: 'refunds.-1.amount', label: 'refunds.-1.amount', before: 10, after: 0.2, changes: true },
      { path: 'locked', label: 'locked', before: true, after: false, changes: true },
    ]);
  });

  it('never guesses: arithmetic on a missing or non-numeric value gives after null', () => {
    const rows = previewRows({ tool: 'get_invoice', arguments: {}, fields: [{ path: 'remaining', after: { minusArgument: 'amount' } }, { path: 'gone', after: { plusArgument: 'amount' } }] }, { remaining: 'n/a' }, { amount: 5 });
    expect(rows.map((r) => [r.before, r.after])).toEqual([['n/a', null], [null, null]]);
  });

  it('falls back to the readBack check, whose expectations say what the write promises', () => {
    const def = { readBack: { tool: 'get_cache_status', arguments: { tenantId: 'tenantId' }, expect: [{ path: 'status', equals: 'fresh' }] } } as unknown as Parameters<typeof previewOf>[0];
    expect(previewOf(def)).toEqual({ tool: 'get_cache_status', arguments: { tenantId: 'tenantId' }, fields: [{ path: 'status', after: { equals: 'fresh' } }] });
    expect(valueAt({ a: [{ b: 1 }, { b: 2 }] }, 'a.-1.b')).toBe(2);
  });
});
