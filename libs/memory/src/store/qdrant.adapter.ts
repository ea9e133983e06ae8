import { DimensionMismatchError, VectorStoreError } from '../memory.errors';
import { sparseDocumentVector, sparseQueryVector } from './keyword';
import { assertPoints, assertSearchQuery } from './search-input';
import {
  GLOBAL_TENANT,
  RRF_K,
  VectorStore,
  type PointPayload,
  type SearchFilter,
  type SearchHit,
  type SearchQuery,
  type StoredChunkRef,
  type VectorPoint,
} from './vector-store.port';

// The package is ESM-typed but ships a CommonJS build; we load that build and borrow the ESM typings.
type QdrantModule = typeof import('@qdrant/js-client-rest', { with: { 'resolution-mode': 'import' } });
type QdrantClient = InstanceType<QdrantModule['QdrantClient']>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { QdrantClient } = require('@qdrant/js-client-rest') as QdrantModule;

const DENSE = 'dense';
const SPARSE = 'keyword';
const INDEXED_FIELDS = ['tenantId', 'documentId', 'docType', 'product', 'language'] as const;
const UPSERT_BATCH = 128;

type QdrantFilter = { must: Array<Record<string, unknown>> };

/**
 * {@link VectorStore} on a Qdrant server over its REST API. Each collection has a named dense vector (cosine) and a
 * named sparse vector `keyword` with Qdrant's `idf` modifier (BM25 weights computed here, IDF by Qdrant). Hybrid is
 * one Query API call: a dense and a sparse prefetch fused by Qdrant's RRF with k = 61 (= {@link RRF_K} counted
 * from rank 1). Filters use keyword payload indexes on tenantId, documentId, docType, product and language.
 *
 * @example
 * const store = new QdrantVectorStore({ url: 'http://127.0.0.1:6333' });
 * await store.ensureCollection('acme', 384);
 */
export class QdrantVectorStore extends VectorStore {
  private readonly client: QdrantClient;
  private readonly dimensions = new Map<string, number>();

  constructor(options: { url: string; apiKey?: string; hybridCandidates?: number; timeoutMs?: number }) {
    super();
    // checkCompatibility would issue a version probe on construction; we check by using the API instead.
    this.client = new QdrantClient({ url: options.url, apiKey: options.apiKey, checkCompatibility: false, timeout: options.timeoutMs ?? 30_000 });
    this.candidates = options.hybridCandidates ?? 50;
  }

  private readonly candidates: number;

  override async ensureCollection(collection: string, dimension: number): Promise<void> {
    await this.call('ensureCollection', async () => {
      if (!(await this.client.collectionExists(collection)).exists) {
        try {
          await this.client.createCollection(collection, {
            vectors: { [DENSE]: { size: dimension, distance: 'Cosine' } },
            sparse_vectors: { [SPARSE]: { modifier: 'idf' } },
          });
        } catch (error) {
          // Another process may have created it between our check and create; verify below instead of failing.
          if ((error as { status?: number }).status !== 409) throw error;
        }
        for (const field of INDEXED_FIELDS) {
          await this.client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
        }
      }
    });
    const existing = await this.dimensionOf(collection);
    if (existing !== dimension) throw new DimensionMismatchError(collection, existing, dimension);
  }

  override async upsert(collection: string, points: VectorPoint[]): Promise<void> {
    assertPoints(points, await this.dimensionOf(collection));
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const batch = points.slice(i, i + UPSERT_BATCH).map((p) => ({
        id: p.id,
        vector: { [DENSE]: p.vector, [SPARSE]: sparseDocumentVector(p.text) },
        payload: { ...p.payload, text: p.text },
      }));
      await this.call('upsert', () => this.client.upsert(collection, { wait: true, points: batch }));
    }
  }

  override async deleteByDocument(collection: string, documentId: string, tenantId: string): Promise<void> {
    await this.call('deleteByDocument', () =>
      this.client.delete(collection, {
        wait: true,
        filter: { must: [{ key: 'documentId', match: { value: documentId } }, { key: 'tenantId', match: { value: tenantId } }] },
      }),
    );
  }

  override async deletePoints(collection: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call('deletePoints', () => this.client.delete(collection, { wait: true, points: ids }));
  }

  override async listChunks(collection: string, scope: { tenantId: string; documentId?: string }): Promise<StoredChunkRef[]> {
    const must: Array<Record<string, unknown>> = [{ key: 'tenantId', match: { value: scope.tenantId } }];
    if (scope.documentId !== undefined) must.push({ key: 'documentId', match: { value: scope.documentId } });
    const out: StoredChunkRef[] = [];
    let offset: string | number | undefined;
    do {
      const page = await this.call('listChunks', () =>
        this.client.scroll(collection, { filter: { must }, limit: 256, offset, with_payload: ['documentId'], with_vector: false }),
      );
      for (const p of page.points) out.push({ id: String(p.id), documentId: String(p.payload?.documentId) });
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
    } while (offset !== undefined);
    return out;
  }

  override async search(collection: string, query: SearchQuery): Promise<SearchHit[]> {
    assertSearchQuery(query);
    const filter = toFilter(query.filter);
    const sparse = query.mode === 'dense' ? undefined : sparseQueryVector(query.text ?? '');
    if (query.mode === 'keyword' && sparse!.indices.length === 0) return [];
    const request =
      query.mode === 'dense'
        ? { query: query.vector!, using: DENSE, filter }
        : query.mode === 'keyword'
          ? { query: sparse!, using: SPARSE, filter }
          : {
              prefetch: [
                { query: query.vector!, using: DENSE, filter, limit: Math.max(this.candidates, query.limit) },
                ...(sparse!.indices.length ? [{ query: sparse!, using: SPARSE, filter, limit: Math.max(this.candidates, query.limit) }] : []),
              ],
              query: { rrf: { k: RRF_K + 1 } },
              filter,
            };
    const result = await this.call('search', () => this.client.query(collection, { ...request, limit: query.limit, with_payload: true, with_vector: false }));
    return result.points.map((p) => {
      const { text, ...payload } = (p.payload ?? {}) as Record<string, unknown>;
      return { id: String(p.id), score: p.score, text: String(text ?? ''), payload: payload as PointPayload };
    });
  }

  override async count(collection: string, filter?: SearchFilter): Promise<number> {
    const result = await this.call('count', () => this.client.count(collection, { exact: true, ...(filter ? { filter: toFilter(filter) } : {}) }));
    return result.count;
  }

  override async dropCollection(collection: string): Promise<void> {
    await this.call('dropCollection', () => this.client.deleteCollection(collection));
    this.dimensions.delete(collection);
  }

  private async dimensionOf(collection: string): Promise<number> {
    const cached = this.dimensions.get(collection);
    if (cached !== undefined) return cached;
    const info = await this.call('getCollection', () => this.client.getCollection(collection));
    const vectors = info.config.params.vectors as Record<string, { size?: number }> | undefined;
    const size = vectors?.[DENSE]?.size;
    if (typeof size !== 'number') throw new VectorStoreError('qdrant', 'getCollection', new Error(`collection "${collection}" has no "${DENSE}" vector`));
    this.dimensions.set(collection, size);
    return size;
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new VectorStoreError('qdrant', operation, error);
    }
  }
}

function toFilter(filter: SearchFilter): QdrantFilter {
  const must: Array<Record<string, unknown>> = [{ key: 'tenantId', match: { any: [filter.tenantId, GLOBAL_TENANT] } }];
  for (const key of ['product', 'docType', 'language'] as const) {
    if (filter[key] !== undefined) must.push({ key, match: { value: filter[key] } });
  }
  return { must };
}
