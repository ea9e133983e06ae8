import { matchesLabel, retrievalMetrics } from './retrieval-metrics';

const item = (documentId: string, section = '') => ({ documentId, section });

describe('retrieval metrics', () => {
  it('matches labels by document and section prefix', () => {
    expect(matchesLabel(item('a', 'Fix › Steps'), { documentId: 'a', section: 'Fix' })).toBe(true);
    expect(matchesLabel(item('a', 'Fixes'), { documentId: 'a', section: 'Fix' })).toBe(false);
    expect(matchesLabel(item('a', 'Anything'), { documentId: 'a' })).toBe(true);
    expect(matchesLabel(item('b', 'Fix'), { documentId: 'a', section: 'Fix' })).toBe(false);
  });

  it('computes recall@k and MRR over queries', () => {
    const sut = retrievalMetrics([
      { labels: [{ documentId: 'a' }, { documentId: 'b' }], retrieved: [item('x'), item('a'), item('y')] }, // recall 1/2, rr 1/2
      { labels: [{ documentId: 'c' }], retrieved: [item('c')] }, // recall 1, rr 1
      { labels: [{ documentId: 'd' }], retrieved: [item('x'), item('x'), item('d')] }, // k=2: recall 0, rr 1/3
    ], 2);
    expect(sut.recallAtK).toBeCloseTo((0.5 + 1 + 0) / 3);
    expect(sut.mrr).toBeCloseTo((0.5 + 1 + 1 / 3) / 3);
    expect(retrievalMetrics([], 5)).toEqual({ recallAtK: 0, mrr: 0, queries: 0 });
  });
});
