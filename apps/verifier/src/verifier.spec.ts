import type { Action, ToolDescriptor } from '@switchboard/contracts';
import { unsupportedClaims } from '@switchboard/claims';
import { valueAt } from '@switchboard/contracts';
import { compare, readArguments } from './read-back';

const refund: Action = { toolCallId: 'c1', tool: 'issue_refund', arguments: { tenantId: 'globex', invoiceId: 'INV-1', amount: 40 }, executed: true };
const check: NonNullable<ToolDescriptor['readBack']> = {
  tool: 'get_invoice',
  arguments: { tenantId: 'tenantId', invoiceId: 'invoiceId' },
  expect: [{ path: 'refunds.-1.amount', equalsArgument: 'amount' }, { path: 'status', equals: 'paid' }],
};

describe('read-back comparison', () => {
  it('walks paths with indices and length', () => {
    expect(valueAt({ a: { b: [1, 2, 3] } }, 'a.b.-1')).toBe(3);
    expect(valueAt({ a: { b: [1, 2, 3] } }, 'a.b.length')).toBe(3);
    expect(valueAt({ a: null }, 'a.b')).toBeUndefined();
  });

  it('maps read arguments from the write', () => {
    expect(readArguments(check, refund)).toEqual({ tenantId: 'globex', invoiceId: 'INV-1' });
  });

  it('passes only when the re-read state shows the promised values', () => {
    const ok = compare(check, refund, {}, { status: 'paid', refunds: [{ amount: 10 }, { amount: '40.00' }] });
    expect(ok.every((e) => e.passed)).toBe(true);
    const bad = compare(check, refund, {}, { status: 'paid', refunds: [{ amount: 10 }] });
    expect(bad.map((e) => e.passed)).toEqual([false, true]);
    expect(compare(check, refund, {}, {}).some((e) => e.passed)).toBe(false);
  });
});

describe('reply claims', () => {
  it('flags an action the reply claims but nothing verified', () => {
    expect(unsupportedClaims('Good news: we refunded $40 to your card.', [refund], new Set())).toHaveLength(1);
    expect(unsupportedClaims('We cleared the cache for your tenant.', [], new Set())).toEqual(['cache reset: no verified reset_tenant_cache backs this claim']);
  });

  it('accepts claims backed by verified actions with matching amounts', () => {
    expect(unsupportedClaims('We refunded $40.00 to your card.', [refund], new Set(['c1']))).toEqual([]);
    expect(unsupportedClaims('We refunded $400 to your card.', [refund], new Set(['c1']))).toHaveLength(1);
  });

  it('has nothing to say about replies that claim no action', () => {
    expect(unsupportedClaims('You can export invoices from Settings → Billing.', [], new Set())).toEqual([]);
  });
});
