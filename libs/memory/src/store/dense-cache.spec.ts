import { DenseCache, scoreDense, type CachedCollection, type CachedPoint } from './dense-cache';
import { GLOBAL_TENANT } from './vector-store.port';

const point = (id: string, embedding: number[], tenantId = GLOBAL_TENANT, extra: Partial<CachedPoint> = {}): CachedPoint => ({
  id, tenantId, docType: 'runbook', product: null, language: null, text: id, payload: { documentId: id, tenantId, docType: 'runbook' },
  embedding: Float32Array.from(embedding), norm: Math.fround(Math.hypot(...embedding)), ...extra,
});
const held = (bytes: number, revision = '1'): CachedCollection => ({ revision, points: [], bytes });

describe('scoreDense', () => {
  it('ranks by cosine, then by id, and puts a zero-norm point last', () => {
    const points = [point('c', [1, 0]), point('b', [0, 1]), point('a', [0, 2]), { ...point('z', [0, 0]), norm: 0 }];
    const hits = scoreDense(points, [0, 1], { tenantId: 't1' }, 10);
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c', 'z']);
    expect(hits.map((h) => h.score)).toEqual([1, 1, 0, 0]);
  });

  it('keeps to the tenant and the filter, and to the limit', () => {
    const points = [
      point('own', [1, 0], 't1'), point('other', [1, 0], 't2'), point('de', [1, 0], GLOBAL_TENANT, { language: 'de' }),
      point('kb', [1, 0], GLOBAL_TENANT, { docType: 'kb' }), point('product', [1, 0], GLOBAL_TENANT, { product: 'billing' }),
    ];
    expect(scoreDense(points, [1, 0], { tenantId: 't1' }, 10).map((h) => h.id).sort()).toEqual(['de', 'kb', 'own', 'product']);
    expect(scoreDense(points, [1, 0], { tenantId: 't1', language: 'de' }, 10).map((h) => h.id)).toEqual(['de']);
    expect(scoreDense(points, [1, 0], { tenantId: 't1', docType: 'kb' }, 10).map((h) => h.id)).toEqual(['kb']);
    expect(scoreDense(points, [1, 0], { tenantId: 't1', product: 'billing' }, 10).map((h) => h.id)).toEqual(['product']);
    expect(scoreDense(points, [1, 0], { tenantId: 't1' }, 2)).toHaveLength(2);
  });
});

describe('DenseCache', () => {
  it('answers only at the revision it holds, and forgets a stale one', () => {
    const cache = new DenseCache(100);
    cache.set('a', held(10, '3'));
    expect(cache.get('a', '3')).toBeDefined();
    expect(cache.get('a', '4')).toBeUndefined();
    expect(cache.get('a', '3')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used collections to stay within its budget, and never holds one larger than it', () => {
    const cache = new DenseCache(100);
    cache.set('a', held(40));
    cache.set('b', held(40));
    cache.get('a', '1');
    cache.set('c', held(40));
    expect(cache.get('b', '1')).toBeUndefined();
    expect(cache.get('a', '1')).toBeDefined();
    expect(cache.get('c', '1')).toBeDefined();
    expect(cache.size).toBe(80);
    cache.set('huge', held(101));
    expect(cache.get('huge', '1')).toBeUndefined();
    expect(cache.size).toBe(80);
    cache.delete('a');
    expect(cache.size).toBe(40);
  });
});
