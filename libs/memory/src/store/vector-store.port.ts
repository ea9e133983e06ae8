/**
 * `tenantId` of points every tenant may see (shared runbooks).
 *
 * @example
 * await store.deleteByDocument('acme', 'runbooks/refunds.md', GLOBAL_TENANT);
 */
export const GLOBAL_TENANT = '_global';

/** Searchable fields of a point. Filters match them exactly; `tenantId` is always enforced. */
export interface PointPayload {
  documentId: string;
  /** Owner tenant, or {@link GLOBAL_TENANT} for knowledge every tenant shares. */
  tenantId: string;
  docType: string;
  product?: string;
  language?: string;
  /** Anything else to return with a hit (title, section, source, chunk index …); not filterable. */
  [key: string]: unknown;
}

/** One chunk: a UUID id (Qdrant accepts UUIDs or integers only), its dense vector, its text and payload. */
export interface VectorPoint {
  id: string;
  vector: number[];
  text: string;
  payload: PointPayload;
}

/** `tenantId` is required: a tenant sees its own points plus global ones, never another tenant's. */
export interface SearchFilter {
  tenantId: string;
  product?: string;
  docType?: string;
  language?: string;
}

export type SearchMode = 'dense' | 'keyword' | 'hybrid';

export interface SearchQuery {
  /** Needed for `dense` and `hybrid`. */
  vector?: number[];
  /** Needed for `keyword` and `hybrid`. */
  text?: string;
  mode: SearchMode;
  filter: SearchFilter;
  limit: number;
}

/**
 * A scored point. `score` depends on the mode: cosine similarity (dense), the store's keyword score (keyword),
 * or the reciprocal-rank-fusion score (hybrid) — compare scores only within one result list.
 */
export interface SearchHit {
  id: string;
  score: number;
  text: string;
  payload: PointPayload;
}

/** Identity of a stored chunk, as listed for ingestion's change detection. */
export interface StoredChunkRef {
  id: string;
  documentId: string;
}

/**
 * RRF constant: a document at 1-based rank r in a list contributes 1 / (RRF_K + r). 60 is the value of the
 * original paper (Cormack et al., 2009); Qdrant's formula counts ranks from 0, so its equivalent is k = 61.
 */
export const RRF_K = 60;

/**
 * Port of the vector store (STYLE.md §3). Adapters: `QdrantVectorStore` (server) and `PgVectorStore` (embedded in
 * Switchboard's Postgres). Hybrid search is reciprocal-rank fusion (k = {@link RRF_K}) of the dense and the keyword
 * ranking, each computed under the same filter. Both adapters pass `libs/memory/test/vector-store.behaviour.ts`.
 *
 * @example
 * await store.ensureCollection('acme', embedder.dimension);
 * await store.upsert('acme', [{ id, vector, text, payload: { documentId: 'runbooks/cache.md', tenantId: GLOBAL_TENANT, docType: 'runbook' } }]);
 * const hits = await store.search('acme', { vector, text: 'stale cache', mode: 'hybrid', filter: { tenantId: 't-1' }, limit: 5 });
 */
export abstract class VectorStore {
  /** Creates the collection if missing; throws `DimensionMismatchError` if it exists with another dimension. */
  abstract ensureCollection(collection: string, dimension: number): Promise<void>;
  /** Inserts or replaces points by id. */
  abstract upsert(collection: string, points: VectorPoint[]): Promise<void>;
  /** Deletes every chunk of one document owned by `tenantId` (use {@link GLOBAL_TENANT} for shared documents). */
  abstract deleteByDocument(collection: string, documentId: string, tenantId: string): Promise<void>;
  /** Deletes points by id. */
  abstract deletePoints(collection: string, ids: string[]): Promise<void>;
  /** Ids of the chunks owned by `tenantId` (exactly, no global fallback), optionally of one document. */
  abstract listChunks(collection: string, scope: { tenantId: string; documentId?: string }): Promise<StoredChunkRef[]>;
  /** Ranked hits visible to `filter.tenantId`. */
  abstract search(collection: string, query: SearchQuery): Promise<SearchHit[]>;
  /** Number of points; with a filter, those visible to that tenant under it. */
  abstract count(collection: string, filter?: SearchFilter): Promise<number>;
  /** Drops the collection and its points (tests, re-indexing). */
  abstract dropCollection(collection: string): Promise<void>;
}
