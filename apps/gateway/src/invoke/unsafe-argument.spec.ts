import { unsafeArgument } from './invoke.service';

describe('unsafeArgument', () => {
  it('finds a "__proto__" key that JSON.parse keeps as an own property, at any depth', () => {
    expect(unsafeArgument(JSON.parse('{"tenantId":"globex","__proto__":{"tenantId":"acme-eu"}}'))).toEqual({ path: '__proto__', message: 'the reserved key "__proto__"' });
    expect(unsafeArgument(JSON.parse('{"a":[{"b":{"constructor":{}}}]}'))).toEqual({ path: 'a.0.b.constructor', message: 'the reserved key "constructor"' });
  });

  it('finds NUL characters in strings', () => {
    expect(unsafeArgument({ tenantId: 'globex', invoiceId: 'inv_1\u0000' })).toEqual({ path: 'invoiceId', message: 'a NUL character (\\u0000)' });
    expect(unsafeArgument('x\u0000')).toEqual({ path: '(root)', message: 'a NUL character (\\u0000)' });
  });

  it('passes ordinary arguments', () => {
    expect(unsafeArgument({ tenantId: 'globex', amount: 10, tags: ['a', 'b'], nested: { proto: 'x' }, note: null })).toBeUndefined();
  });
});
