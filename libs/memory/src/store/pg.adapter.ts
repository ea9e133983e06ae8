import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { inTransaction, runMigrations } from '@switchboard/store';
import { DimensionMismatchError, MemoryInputError, VectorStoreError } from '../memory.errors';
import { DenseCache, pointBytes, scoreDense, type CachedCollection, type CachedPoint } from './dense-cache';
import { reciprocalRankFusion } from './rrf';
import { assertPoints, assertSearchQuery } from './search-input';
import {
  GLOBAL_TENANT,
  VectorStore,
  type PointPayload,
  type SearchFilter,
  type SearchHit,
  type SearchQuery,
  type StoredChunkRef,
  type VectorPoint,
} from './vector-store.port';

/**
 * Folder of the memory library's SQL migrations, found from source (ts/jest) or from the build output in `dist/`.
 *
 * @example
 * await runMigrations(pool, 'memory', memoryMigrationsDir());
 */
export function memoryMigrationsDir(): string {
  const candidates = [join(__dirname, '..', '..', 'migrations'), resolve(__dirname, '..', '..', '..', '..', '..', 'libs', 'memory', 'migrations')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`memory migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Applies the memory library's migrations (component `memory`) to a pool. Idempotent.
 *
 * @example
 * await runMemoryMigrations(pool);
 */
export async function runMemoryMigrations(pool: Pool): Promise<number> {
  return runMigrations(pool, 'memory', memoryMigrationsDir());
}

interface Row {
  id: string;
  text: string;
  payload: PointPayload;
  score: number;
}

/** Default in-process budget for collections' embeddings ({@link PgVectorStoreOptions.denseCacheBytes}). */
export const DEFAULT_DENSE_CACHE_BYTES = 128 * 1024 * 1024;

export interface PgVectorStoreOptions {
  /** Candidates each of the dense and keyword lists contributes before fusion (default 50). */
  hybridCandidates?: number;
  /**
   * Bytes of points (embedding, text, payload) held in process for dense scoring; 0 scores every search in SQL.
   * A collection larger than the budget is scored in SQL. Default {@link DEFAULT_DENSE_CACHE_BYTES}.
   */
  denseCacheBytes?: number;
}

interface PointRow {
  revision: string;
  id: string | null;
  tenant_id: string;
  doc_type: string;
  product: string | null;
  language: string | null;
  text: string;
  payload: PointPayload;
  embedding: number[];
  norm: number;
}

/**
 * Embedded {@link VectorStore} in Switchboard's own Postgres: the quick start and small installations need no
 * extra server. Dense scores are exact cosine similarity over the stored `float4[]` embeddings: in process, over the
 * collection's points held in memory (see {@link DenseCache}; reloaded when the collection's revision, which every
 * change to its points moves, is not the one loaded), or in SQL for a collection larger than the budget. Scoring in
 * SQL costs Postgres about 0.1 ms of CPU per 384-dimension point and search. Keyword scores are `ts_rank` over an
 * English tsvector with OR semantics; hybrid fuses both lists in process with {@link reciprocalRankFusion}. Run
 * {@link runMemoryMigrations} first.
 *
 * @example
 * await runMemoryMigrations(pool);
 * const store = new PgVectorStore(pool);
 */
export class PgVectorStore extends VectorStore {
  private readonly dimensions = new Map<string, number>();
  private readonly cache: DenseCache;
  /** Loads in flight, one per collection: concurrent searches on a stale collection share one load. */
  private readonly loading = new Map<string, Promise<CachedCollection | undefined>>();
  /** Collections found larger than the budget, with the revision at which they were: scored in SQL until it moves. */
  private readonly oversized = new Map<string, string>();
  private loads = 0;

  constructor(private readonly pool: Pool, private readonly options: PgVectorStoreOptions = {}) {
    super();
    this.cache = new DenseCache(options.denseCacheBytes ?? DEFAULT_DENSE_CACHE_BYTES);
  }

  /** How often a collection's points were loaded into the process, and the bytes held now. */
  denseCacheStats(): { loads: number; bytes: number } {
    return { loads: this.loads, bytes: this.cache.size };
  }

  override async ensureCollection(collection: string, dimension: number): Promise<void> {
    const { rows } = await this.query<{ dimension: number }>(
      'ensureCollection',
      `WITH ins AS (INSERT INTO memory_collections (name, dimension) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING dimension)
       SELECT dimension FROM ins UNION ALL SELECT dimension FROM memory_collections WHERE name = $1`,
      [collection, dimension],
    );
    const existing = rows[0]!.dimension;
    if (existing !== dimension) throw new DimensionMismatchError(collection, existing, dimension);
    this.dimensions.set(collection, existing);
  }

  override async upsert(collection: string, points: VectorPoint[]): Promise<void> {
    assertPoints(points, await this.dimensionOf(collection));
    if (points.length === 0) return;
    try {
      await inTransaction(this.pool, async (tx) => {
        for (const p of points) {
          const norm = Math.hypot(...p.vector);
          if (norm === 0) throw new MemoryInputError(`point ${p.id} has a zero vector`);
          await tx.query(
            `INSERT INTO memory_points (collection, id, document_id, tenant_id, doc_type, product, language, text, payload, embedding, norm)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::float4[], $11)
             ON CONFLICT (collection, id) DO UPDATE SET document_id = EXCLUDED.document_id, tenant_id = EXCLUDED.tenant_id,
               doc_type = EXCLUDED.doc_type, product = EXCLUDED.product, language = EXCLUDED.language, text = EXCLUDED.text,
               payload = EXCLUDED.payload, embedding = EXCLUDED.embedding, norm = EXCLUDED.norm, updated_at = now()`,
            [collection, p.id, p.payload.documentId, p.payload.tenantId, p.payload.docType, p.payload.product ?? null,
              p.payload.language ?? null, p.text, JSON.stringify(p.payload), p.vector, norm],
          );
        }
      });
    } catch (error) {
      if (error instanceof MemoryInputError) throw error;
      throw new VectorStoreError('postgres', 'upsert', error);
    }
  }

  override async deleteByDocument(collection: string, documentId: string, tenantId: string): Promise<void> {
    await this.query('deleteByDocument', 'DELETE FROM memory_points WHERE collection = $1 AND document_id = $2 AND tenant_id = $3', [collection, documentId, tenantId]);
  }

  override async deletePoints(collection: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.query('deletePoints', 'DELETE FROM memory_points WHERE collection = $1 AND id = ANY($2::uuid[])', [collection, ids]);
  }

  override async listChunks(collection: string, scope: { tenantId: string; documentId?: string }): Promise<StoredChunkRef[]> {
    const { rows } = await this.query<{ id: string; document_id: string }>(
      'listChunks',
      `SELECT id, document_id FROM memory_points WHERE collection = $1 AND tenant_id = $2 AND ($3::text IS NULL OR document_id = $3) ORDER BY id`,
      [collection, scope.tenantId, scope.documentId ?? null],
    );
    return rows.map((r) => ({ id: r.id, documentId: r.document_id }));
  }

  override async search(collection: string, query: SearchQuery): Promise<SearchHit[]> {
    assertSearchQuery(query);
    if (query.vector) {
      const dimension = await this.dimensionOf(collection);
      if (query.vector.length !== dimension) throw new MemoryInputError(`query vector has ${query.vector.length} dimensions, collection "${collection}" has ${dimension}`);
    }
    if (query.mode === 'dense') return this.dense(collection, query.vector!, query.filter, query.limit);
    if (query.mode === 'keyword') return this.keyword(collection, query.text!, query.filter, query.limit);
    const candidates = Math.max(this.options.hybridCandidates ?? 50, query.limit);
    const { dense, keyword } = await this.hybrid(collection, query.vector!, query.text!, query.filter, candidates);
    const byId = new Map([...dense, ...keyword].map((h) => [h.id, h]));
    return reciprocalRankFusion([dense.map((h) => h.id), keyword.map((h) => h.id)])
      .slice(0, query.limit)
      .map(({ id, score }) => ({ ...byId.get(id)!, score }));
  }

  override async count(collection: string, filter?: SearchFilter): Promise<number> {
    const [where, params] = filter ? whereClause(collection, filter) : ['collection = $1', [collection]];
    const { rows } = await this.query<{ n: string }>('count', `SELECT count(*) AS n FROM memory_points WHERE ${where}`, params);
    return Number(rows[0]!.n);
  }

  override async dropCollection(collection: string): Promise<void> {
    await this.query('dropCollection', 'DELETE FROM memory_collections WHERE name = $1', [collection]);
    this.dimensions.delete(collection);
    this.cache.delete(collection);
  }

  private async dense(collection: string, vector: number[], filter: SearchFilter, limit: number): Promise<SearchHit[]> {
    if (this.cache.maxBytes > 0) {
      const { rows } = await this.query<{ revision: string }>('search', 'SELECT revision::text AS revision FROM memory_collections WHERE name = $1', [collection]);
      const scored = await this.denseInProcess(collection, rows[0]?.revision, vector, filter, limit);
      if (scored) return scored;
    }
    return this.denseInSql(collection, vector, filter, limit);
  }

  private async denseInSql(collection: string, vector: number[], filter: SearchFilter, limit: number): Promise<SearchHit[]> {
    const [where, params] = whereClause(collection, filter);
    const n = params.length;
    const { rows } = await this.query<Row>('search', denseSql(where, n + 1, n + 2, n + 3), [...params, vector, Math.hypot(...vector), limit]);
    return rows.map(toHit);
  }

  /**
   * Dense hits from the points held in process, for a search that read the collection at `revision` (undefined: the
   * collection is gone, so nothing matches); undefined when the collection is too large to hold (score in SQL).
   */
  private async denseInProcess(collection: string, revision: string | undefined, vector: number[], filter: SearchFilter, limit: number): Promise<SearchHit[] | undefined> {
    if (revision === undefined) {
      this.cache.delete(collection);
      return [];
    }
    if (this.oversized.get(collection) === revision) return undefined;
    const held = this.cache.get(collection, revision) ?? (await this.load(collection, revision));
    return held ? scoreDense(held.points, vector, filter, limit) : undefined;
  }

  /**
   * Loads a collection's points at its current revision (at least `revision`: a later one is as good, being newer
   * than the search's snapshot); undefined when they do not fit the budget (remembered until the revision moves).
   */
  private load(collection: string, revision: string): Promise<CachedCollection | undefined> {
    const inFlight = this.loading.get(collection);
    if (inFlight) return inFlight;
    const loading = (async () => {
      const dimension = await this.dimensionOf(collection);
      const { rows: [size] } = await this.query<{ n: number; chars: number }>(
        'search',
        'SELECT count(*)::float8 AS n, COALESCE(sum(octet_length(text) + octet_length(payload::text)), 0)::float8 AS chars FROM memory_points WHERE collection = $1',
        [collection],
      );
      if (!this.cache.fits(size!.n * (dimension * 4 + 200) + 2 * size!.chars)) {
        this.oversized.set(collection, revision);
        return undefined;
      }
      const { rows } = await this.query<PointRow>(
        'search',
        `SELECT c.revision::text AS revision, p.id, p.tenant_id, p.doc_type, p.product, p.language, p.text, p.payload, p.embedding, p.norm
           FROM memory_collections c LEFT JOIN memory_points p ON p.collection = c.name WHERE c.name = $1`,
        [collection],
      );
      if (!rows[0]) return { revision, points: [], bytes: 0 };
      const points: CachedPoint[] = rows.filter((r) => r.id !== null).map((r) => ({
        id: r.id!, tenantId: r.tenant_id, docType: r.doc_type, product: r.product, language: r.language, text: r.text, payload: r.payload,
        embedding: Float32Array.from(r.embedding), norm: Math.fround(r.norm),
      }));
      const loaded: CachedCollection = { revision: rows[0].revision, points, bytes: points.reduce((a, p) => a + pointBytes(p), 0) };
      this.loads++;
      if (!this.cache.fits(loaded.bytes)) {
        this.oversized.set(collection, loaded.revision);
        return undefined;
      }
      this.oversized.delete(collection);
      this.cache.set(collection, loaded);
      return loaded;
    })().finally(() => this.loading.delete(collection));
    this.loading.set(collection, loading);
    return loading;
  }

  /**
   * Both candidate lists, each in its own rank order. Held in process: the keyword list and the collection's revision
   * in one statement, the dense list from memory. In SQL: both lists in one statement (one round trip, one snapshot).
   */
  private async hybrid(collection: string, vector: number[], text: string, filter: SearchFilter, limit: number): Promise<{ dense: SearchHit[]; keyword: SearchHit[] }> {
    const [where, params] = whereClause(collection, filter);
    const n = params.length;
    const keywordList = `SELECT 'k' AS list, row_number() OVER (ORDER BY score DESC, id) AS rank, k.id, k.text, k.payload, k.score::float8 FROM k`;
    if (this.cache.maxBytes > 0) {
      const { rows } = await this.query<Row & { list: 'r' | 'k' }>(
        'search',
        `WITH ${tsQueryCte(n + 1)}, k AS (${keywordSql(where, n + 2)})
         SELECT * FROM (SELECT 'r' AS list, 0::bigint AS rank, NULL::uuid AS id, revision::text AS text, NULL::jsonb AS payload, NULL::float8 AS score
                          FROM memory_collections WHERE name = $1
                        UNION ALL ${keywordList}) x
          ORDER BY list, rank`,
        [...params, text, limit],
      );
      const keyword = rows.filter((r) => r.list === 'k').map(toHit);
      const dense = await this.denseInProcess(collection, rows.find((r) => r.list === 'r')?.text, vector, filter, limit);
      if (dense) return { dense, keyword };
      return { dense: await this.denseInSql(collection, vector, filter, limit), keyword };
    }
    const { rows } = await this.query<Row & { list: 'd' | 'k' }>(
      'search',
      `WITH ${tsQueryCte(n + 3)}, d AS (${denseSql(where, n + 1, n + 2, n + 4)}), k AS (${keywordSql(where, n + 4)})
       SELECT * FROM (SELECT 'd' AS list, row_number() OVER (ORDER BY score DESC NULLS LAST, id) AS rank, d.* FROM d
                      UNION ALL
                      ${keywordList}) x
        ORDER BY list, rank`,
      [...params, vector, Math.hypot(...vector), text, limit],
    );
    return { dense: rows.filter((r) => r.list === 'd').map(toHit), keyword: rows.filter((r) => r.list === 'k').map(toHit) };
  }

  private async keyword(collection: string, text: string, filter: SearchFilter, limit: number): Promise<SearchHit[]> {
    const [where, params] = whereClause(collection, filter);
    const n = params.length;
    const { rows } = await this.query<Row>('search', `WITH ${tsQueryCte(n + 1)} ${keywordSql(where, n + 2)}`, [...params, text, limit]);
    return rows.map(toHit);
  }

  private async dimensionOf(collection: string): Promise<number> {
    const cached = this.dimensions.get(collection);
    if (cached !== undefined) return cached;
    const { rows } = await this.query<{ dimension: number }>('dimension', 'SELECT dimension FROM memory_collections WHERE name = $1', [collection]);
    if (!rows[0]) throw new VectorStoreError('postgres', 'dimension', new Error(`collection "${collection}" does not exist: call ensureCollection first`));
    this.dimensions.set(collection, rows[0].dimension);
    return rows[0].dimension;
  }

  private async query<R extends object>(operation: string, sql: string, params: unknown[]): Promise<{ rows: R[] }> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw new VectorStoreError('postgres', operation, error);
    }
  }
}

/**
 * Dense candidates, best first: cosine of the stored embedding with the query vector `$vectorParam` (norm
 * `$normParam`). float8 products: float4 arithmetic raises "underflow" on tiny components instead of rounding to zero.
 */
function denseSql(where: string, vectorParam: number, normParam: number, limitParam: number): string {
  return `SELECT id, text, payload,
                 (SELECT sum(a::float8 * b::float8) FROM unnest(embedding, $${vectorParam}::float4[]) AS t(a, b)) / NULLIF(norm::float8 * $${normParam}::float8, 0) AS score
            FROM memory_points WHERE ${where} ORDER BY score DESC NULLS LAST, id LIMIT $${limitParam}`;
}

/**
 * The `q` CTE of {@link keywordSql}: the query text `$textParam` as a tsquery. plainto_tsquery ANDs the terms;
 * retrieval wants any-term matching ranked by ts_rank, so & becomes |.
 */
function tsQueryCte(textParam: number): string {
  return `q AS (SELECT replace(plainto_tsquery('english', $${textParam})::text, ' & ', ' | ') AS s)`;
}

/** Keyword candidates, best first, against the `q` CTE of {@link tsQueryCte}. */
function keywordSql(where: string, limitParam: number): string {
  return `SELECT id, text, payload, ts_rank(tsv, q.s::tsquery) AS score
            FROM memory_points, q WHERE ${where} AND q.s <> '' AND tsv @@ q.s::tsquery
           ORDER BY score DESC, id LIMIT $${limitParam}`;
}

function whereClause(collection: string, filter: SearchFilter): [string, unknown[]] {
  const params: unknown[] = [collection, [filter.tenantId, GLOBAL_TENANT]];
  const parts = ['collection = $1', 'tenant_id = ANY($2::text[])'];
  for (const [column, value] of [['product', filter.product], ['doc_type', filter.docType], ['language', filter.language]] as const) {
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${column} = $${params.length}`);
  }
  return [parts.join(' AND '), params];
}

function toHit(row: Row): SearchHit {
  return { id: row.id, score: Number(row.score), text: row.text, payload: row.payload };
}
