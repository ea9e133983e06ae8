import { GLOBAL_TENANT, type PointPayload, type SearchFilter, type SearchHit } from './vector-store.port';

/** One point of a cached collection: what a dense hit returns, and what the search filter looks at. */
export interface CachedPoint {
  id: string;
  tenantId: string;
  docType: string;
  product: string | null;
  language: string | null;
  text: string;
  payload: PointPayload;
  /** The stored float4 embedding and its stored float4 norm. */
  embedding: Float32Array;
  norm: number;
}

/** A collection's points as loaded at one revision (memory_collections.revision, migration 002). */
export interface CachedCollection {
  revision: string;
  points: CachedPoint[];
  bytes: number;
}

/**
 * Approximate bytes a point takes in the cache: its embedding, its text (UTF-16) and its payload. Used for the cache's
 * budget only.
 */
export function pointBytes(point: Pick<CachedPoint, 'embedding' | 'text' | 'payload'>): number {
  return point.embedding.byteLength + 2 * point.text.length + 2 * JSON.stringify(point.payload).length + 200;
}

/**
 * Exact dense scoring of PgVectorStore's points in process, with the same arithmetic as its SQL: each product of two
 * float4 components taken in float8, summed in component order, divided by (stored norm × the query vector's norm);
 * best first, then by id; a zero denominator scores last. So a search answers the same with the cache as without it.
 */
export function scoreDense(points: readonly CachedPoint[], vector: readonly number[], filter: SearchFilter, limit: number): SearchHit[] {
  const query = Float32Array.from(vector);
  const queryNorm = Math.hypot(...vector);
  const tenants = new Set([filter.tenantId, GLOBAL_TENANT]);
  const scored: Array<{ point: CachedPoint; score: number | null }> = [];
  for (const point of points) {
    if (!tenants.has(point.tenantId)) continue;
    if (filter.product !== undefined && point.product !== filter.product) continue;
    if (filter.docType !== undefined && point.docType !== filter.docType) continue;
    if (filter.language !== undefined && point.language !== filter.language) continue;
    const e = point.embedding;
    let dot = 0;
    for (let i = 0; i < e.length; i++) dot += e[i]! * query[i]!;
    const denominator = point.norm * queryNorm;
    scored.push({ point, score: denominator === 0 ? null : dot / denominator });
  }
  scored.sort((a, b) => {
    if (a.score !== b.score) {
      if (a.score === null) return 1;
      if (b.score === null) return -1;
      return b.score - a.score;
    }
    return a.point.id < b.point.id ? -1 : a.point.id > b.point.id ? 1 : 0;
  });
  return scored.slice(0, limit).map(({ point, score }) => ({ id: point.id, score: score ?? 0, text: point.text, payload: point.payload }));
}

/**
 * Collections held in process, least recently used first out, within a budget of bytes. A collection larger than
 * the whole budget is not held: its searches score in SQL.
 */
export class DenseCache {
  private readonly collections = new Map<string, CachedCollection>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The collection as cached at `revision`, or undefined (absent, or at another revision). Marks it recently used. */
  get(collection: string, revision: string): CachedCollection | undefined {
    const cached = this.collections.get(collection);
    if (!cached) return undefined;
    if (cached.revision !== revision) {
      this.delete(collection);
      return undefined;
    }
    this.collections.delete(collection);
    this.collections.set(collection, cached);
    return cached;
  }

  /** Whether a collection of `bytes` can be held at all. */
  fits(bytes: number): boolean {
    return bytes <= this.maxBytes;
  }

  set(collection: string, value: CachedCollection): void {
    this.delete(collection);
    if (!this.fits(value.bytes)) return;
    for (const [name, held] of this.collections) {
      if (this.bytes + value.bytes <= this.maxBytes) break;
      this.collections.delete(name);
      this.bytes -= held.bytes;
    }
    this.collections.set(collection, value);
    this.bytes += value.bytes;
  }

  delete(collection: string): void {
    const held = this.collections.get(collection);
    if (!held) return;
    this.collections.delete(collection);
    this.bytes -= held.bytes;
  }

  /** Bytes held now (for tests and metrics). */
  get size(): number {
    return this.bytes;
  }
}
