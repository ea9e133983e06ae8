import { LRUCache } from 'lru-cache';
import type { LockedCase } from './case.repository';

// Sizes of the large parts of a case that stay the same object from transition to transition (the ticket, the
// retrieved passages, the triage output), so each is serialised once rather than on every cached write.
const partSizes = new WeakMap<object, number>();
function sizeOfPart(part: object): number {
  let size = partSizes.get(part);
  if (size === undefined) {
    size = JSON.stringify(part).length;
    partSizes.set(part, size);
  }
  return size;
}

/**
 * Approximate memory of one cached case: characters of its JSON, the large immutable parts measured once.
 *
 * @example
 * caseEntrySize({ version: 3, state }); // ≈ JSON.stringify(state).length
 */
export function caseEntrySize(entry: LockedCase): number {
  const { ticket, passages, triage, ...core } = entry.state;
  return JSON.stringify(core).length + (ticket ? sizeOfPart(ticket) : 0) + (passages ? sizeOfPart(passages) : 0) + (triage ? sizeOfPart(triage) : 0);
}

/**
 * The last state this process wrote or read per case, so an event needs no read before its one-statement write.
 * Only a hint: every write is checked against the version in Postgres (supervisor.apply_transition), and a stale entry
 * (another replica moved the case on after a rebalance) costs one conflict and a re-read. Bounded by the memory of
 * its entries (SUPERVISOR_CASE_CACHE_MAX_BYTES, see {@link caseEntrySize}), not their count: a case holds its whole
 * ticket and context, so 10,000 large tickets would otherwise be hundreds of MB. Least recently used entries go
 * first; a case larger than the whole budget is not cached (it is read from Postgres instead). 0 disables the cache.
 */
export class CaseCache {
  private readonly entries?: LRUCache<string, LockedCase>;

  constructor(readonly maxBytes = 64 * 1024 * 1024) {
    if (maxBytes > 0) this.entries = new LRUCache<string, LockedCase>({ maxSize: maxBytes, sizeCalculation: (entry) => Math.max(1, caseEntrySize(entry)) });
  }

  get(caseId: string): LockedCase | undefined {
    return this.entries?.get(caseId);
  }

  set(caseId: string, entry: LockedCase): void {
    // An entry over the whole budget is refused, and lru-cache then drops the older version of the case too.
    this.entries?.set(caseId, entry);
  }

  delete(caseId: string): void {
    this.entries?.delete(caseId);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Sum of the entries' sizes (≤ maxBytes). */
  get bytes(): number {
    return this.entries?.calculatedSize ?? 0;
  }
}
