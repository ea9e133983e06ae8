import { DimensionMismatchError, MemoryInputError } from '../memory.errors';
import { keywordTerms } from '../store/keyword';
import { reciprocalRankFusion } from '../store/rrf';
import { assertPoints, assertSearchQuery } from '../store/search-input';
import { GLOBAL_TENANT, VectorStore, type SearchFilter, type SearchHit, type SearchQuery, type StoredChunkRef, type VectorPoint } from '../store/vector-store.port';

/**
 * In-process {@link VectorStore} for unit tests: exact cosine, term-overlap keyword scores, RRF hybrid. Also counts
 * writes so tests can assert "re-ingesting changed nothing".
 *
 * @example
 * const store = new InMemoryVectorStore();
 * const sut = new MemoryService(store, new HashingEmbedder(), { collection: 'kb' });
 */
export class InMemoryVectorStore extends VectorStore {
  readonly collections = new Map<string, { dimension: number; points: Map<string, VectorPoint> }>();
  writes = 0;

  override async ensureCollection(collection: string, dimension: number): Promise<void> {
    const existing = this.collections.get(collection);
    if (existing && existing.dimension !== dimension) throw new DimensionMismatchError(collection, existing.dimension, dimension);
    if (!existing) this.collections.set(collection, { dimension, points: new Map() });
  }

  override async upsert(collection: string, points: VectorPoint[]): Promise<void> {
    const c = this.get(collection);
    assertPoints(points, c.dimension);
    for (const p of points) c.points.set(p.id, structuredClone(p));
    this.writes += points.length;
  }

  override async deleteByDocument(collection: string, documentId: string, tenantId: string): Promise<void> {
    const c = this.get(collection);
    for (const [id, p] of c.points) {
      if (p.payload.documentId === documentId && p.payload.tenantId === tenantId) {
        c.points.delete(id);
        this.writes++;
      }
    }
  }

  override async deletePoints(collection: string, ids: string[]): Promise<void> {
    const c = this.get(collection);
    for (const id of ids) if (c.points.delete(id)) this.writes++;
  }

  override async listChunks(collection: string, scope: { tenantId: string; documentId?: string }): Promise<StoredChunkRef[]> {
    return [...this.get(collection).points.values()]
      .filter((p) => p.payload.tenantId === scope.tenantId && (scope.documentId === undefined || p.payload.documentId === scope.documentId))
      .map((p) => ({ id: p.id, documentId: p.payload.documentId }));
  }

  override async search(collection: string, query: SearchQuery): Promise<SearchHit[]> {
    assertSearchQuery(query);
    const c = this.get(collection);
    if (query.vector && query.vector.length !== c.dimension) throw new MemoryInputError('query vector has the wrong dimension');
    const visible = [...c.points.values()].filter((p) => matches(p, query.filter));
    const dense = () => visible.map((p) => hit(p, cosine(p.vector, query.vector!))).sort((a, b) => b.score - a.score);
    const keyword = () => {
      const terms = new Set(keywordTerms(query.text ?? ''));
      return visible
        .map((p) => hit(p, keywordTerms(p.text).filter((t) => terms.has(t)).length))
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score);
    };
    if (query.mode === 'dense') return dense().slice(0, query.limit);
    if (query.mode === 'keyword') return keyword().slice(0, query.limit);
    const d = dense();
    const k = keyword();
    const byId = new Map([...d, ...k].map((h) => [h.id, h]));
    return reciprocalRankFusion([d.slice(0, 50).map((h) => h.id), k.slice(0, 50).map((h) => h.id)])
      .slice(0, query.limit)
      .map(({ id, score }) => ({ ...byId.get(id)!, score }));
  }

  override async count(collection: string, filter?: SearchFilter): Promise<number> {
    const points = [...this.get(collection).points.values()];
    return filter ? points.filter((p) => matches(p, filter)).length : points.length;
  }

  override async dropCollection(collection: string): Promise<void> {
    this.collections.delete(collection);
  }

  private get(collection: string) {
    const c = this.collections.get(collection);
    if (!c) throw new MemoryInputError(`collection "${collection}" does not exist: call ensureCollection first`);
    return c;
  }
}

function matches(p: VectorPoint, f: SearchFilter): boolean {
  return (
    (p.payload.tenantId === f.tenantId || p.payload.tenantId === GLOBAL_TENANT) &&
    (f.product === undefined || p.payload.product === f.product) &&
    (f.docType === undefined || p.payload.docType === f.docType) &&
    (f.language === undefined || p.payload.language === f.language)
  );
}

function hit(p: VectorPoint, score: number): SearchHit {
  return { id: p.id, score, text: p.text, payload: structuredClone(p.payload) };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (Math.hypot(...a) * Math.hypot(...b) || 1);
}
