import { gatewayAppPath } from '../paths';
import { loadCatalog } from '../catalog/tool-catalog';
import { argumentsHash, effectOf } from './effect';

const catalog = loadCatalog(gatewayAppPath('catalog', 'acme.tools.yaml'), { backends: ['acme'] });
const refund = catalog.get('issue_refund')!;
const args = { tenantId: 'globex', invoiceId: 'inv_1', amount: 40, reason: 'charged twice' };

describe('write effects', () => {
  it('ignores free text: a re-worded refund is the same effect, with the same ledger key', () => {
    const first = effectOf(refund, 'case_1', args);
    const reworded = effectOf(refund, 'case_1', { ...args, reason: 'duplicate seat, please refund' });
    expect(reworded).toEqual(first);
    expect(first.values).toEqual({ tenantId: 'globex', invoiceId: 'inv_1', amount: 40 });
    expect(first.amount).toBe(40);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable across argument key order', () => {
    expect(effectOf(refund, 'case_1', { reason: 'x', amount: 40, invoiceId: 'inv_1', tenantId: 'globex' }).key).toBe(effectOf(refund, 'case_1', args).key);
  });

  it.each([
    ['amount', { amount: 41 }],
    ['invoice', { invoiceId: 'inv_2' }],
    ['tenant', { tenantId: 'initech' }],
  ])('is another effect when the %s differs', (_label, change) => {
    expect(effectOf(refund, 'case_1', { ...args, ...change }).key).not.toBe(effectOf(refund, 'case_1', args).key);
    expect(effectOf(refund, 'case_1', { ...args, ...change }).hash).not.toBe(effectOf(refund, 'case_1', args).hash);
  });

  it('is scoped to the case (the hash, which binds approvals, is not) and to the tool', () => {
    expect(effectOf(refund, 'case_2', args).key).not.toBe(effectOf(refund, 'case_1', args).key);
    expect(effectOf(refund, 'case_2', args).hash).toBe(effectOf(refund, 'case_1', args).hash);
    const reset = catalog.get('reset_tenant_cache')!;
    const unlock = catalog.get('unlock_account')!;
    expect(effectOf(reset, 'case_1', { tenantId: 'globex' }).key).not.toBe(effectOf(unlock, 'case_1', { tenantId: 'globex' }).key);
  });

  it('hashes exact arguments separately (what an approval showed)', () => {
    expect(argumentsHash(args)).not.toBe(argumentsHash({ ...args, reason: 'other words' }));
    expect(argumentsHash(args)).toBe(argumentsHash({ reason: 'charged twice', amount: 40, invoiceId: 'inv_1', tenantId: 'globex' }));
  });
});
