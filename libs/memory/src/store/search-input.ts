import { MemoryInputError } from '../memory.errors';
import type { SearchQuery, VectorPoint } from './vector-store.port';

/** Largest `limit` a search accepts; retrieval needs a handful, not a dump. */
export const MAX_SEARCH_LIMIT = 100;

/** Shared input checks of every adapter, so both reject the same bad input the same way. */
export function assertSearchQuery(query: SearchQuery): void {
  if (!query.filter?.tenantId?.trim()) throw new MemoryInputError('search needs filter.tenantId (tenant isolation)');
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
    throw new MemoryInputError(`search limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${query.limit}`);
  }
  if (query.mode !== 'keyword' && !query.vector?.length) throw new MemoryInputError(`search mode "${query.mode}" needs a vector`);
  if (query.mode !== 'dense' && query.text === undefined) throw new MemoryInputError(`search mode "${query.mode}" needs text`);
}

export function assertPoints(points: VectorPoint[], dimension?: number): void {
  for (const p of points) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(p.id)) throw new MemoryInputError(`point id must be a UUID, got "${p.id}"`);
    if (!p.payload?.documentId || !p.payload.tenantId || !p.payload.docType) {
      throw new MemoryInputError(`point ${p.id} needs payload.documentId, payload.tenantId and payload.docType`);
    }
    if (dimension !== undefined && p.vector.length !== dimension) {
      throw new MemoryInputError(`point ${p.id} has a ${p.vector.length}-dimension vector, collection expects ${dimension}`);
    }
  }
}
