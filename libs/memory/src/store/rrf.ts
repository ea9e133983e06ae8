import { RRF_K } from './vector-store.port';

/**
 * Reciprocal-rank fusion: each list contributes 1 / (k + rank) for every id it ranks (rank from 1). Ids found by
 * several lists add up, so agreement between dense and keyword search wins. Ties keep first-seen order.
 *
 * @example
 * reciprocalRankFusion([['a', 'b'], ['b', 'c']]); // [{ id: 'b', score: 1/62 + 1/61 }, { id: 'a', … }, { id: 'c', … }]
 */
export function reciprocalRankFusion(lists: string[][], k: number = RRF_K): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1)));
  }
  return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
