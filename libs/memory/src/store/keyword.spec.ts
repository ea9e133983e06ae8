import { keywordTerms, sparseDocumentVector, sparseQueryVector, termIndex } from './keyword';

describe('keyword terms and sparse vectors', () => {
  it('lowercases, drops stopwords and stems common inflections', () => {
    expect(keywordTerms('The Refunds are LOCKED for users')).toEqual(['refund', 'lock', 'user']);
    expect(keywordTerms('new-dashboard flag')).toEqual(['new-dashboard', 'new', 'dashboard', 'flag']);
  });

  it('hashes terms to stable unsigned 32-bit indices', () => {
    expect(termIndex('cache')).toBe(termIndex('cache'));
    expect(termIndex('cache')).not.toBe(termIndex('cached'));
    expect(termIndex('')).toBe(0x811c9dc5);
    expect(termIndex('a')).toBeGreaterThanOrEqual(0);
  });

  it('weights repeated document terms higher, with saturation, and queries flat', () => {
    const doc = sparseDocumentVector('cache cache cache invoice');
    const weight = (term: string) => doc.values[doc.indices.indexOf(termIndex(term))]!;
    expect(weight('cache')).toBeGreaterThan(weight('invoice'));
    expect(weight('cache')).toBeLessThan(3 * weight('invoice'));
    expect(sparseQueryVector('cache cache invoice')).toEqual({
      indices: [termIndex('cache'), termIndex('invoice')].sort((a, b) => a - b),
      values: [1, 1],
    });
  });

  it('returns empty vectors for text without terms', () => {
    expect(sparseQueryVector('the a of')).toEqual({ indices: [], values: [] });
  });
});
