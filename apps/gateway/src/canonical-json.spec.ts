import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"x":null,"z":1}]},"b":1}');
  });

  it('gives equal output for equal values written in another key order', () => {
    expect(canonicalJson({ tenantId: 'globex', amount: 150 })).toBe(canonicalJson({ amount: 150, tenantId: 'globex' }));
  });

  it('refuses non-finite numbers instead of hashing them as null', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
  });
});
