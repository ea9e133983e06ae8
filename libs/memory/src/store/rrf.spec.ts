import { reciprocalRankFusion } from './rrf';

describe('reciprocalRankFusion', () => {
  it('ranks an id found by both lists above ids found by one', () => {
    const sut = reciprocalRankFusion([['a', 'b', 'c'], ['c', 'd']]);
    expect(sut[0]).toEqual({ id: 'c', score: 1 / 63 + 1 / 61 });
    expect(sut.map((h) => h.id)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('returns nothing for empty lists and honours k', () => {
    expect(reciprocalRankFusion([[], []])).toEqual([]);
    expect(reciprocalRankFusion([['x']], 0)).toEqual([{ id: 'x', score: 1 }]);
  });
});
