import type { LockedCase } from './case.repository';

/**
 * The last state this process wrote or read per case, so an event needs no read before its one-statement write.
 * Only a hint: every write is checked against the version in Postgres (supervisor.apply_event), and a stale entry
 * (another replica moved the case on after a rebalance) costs one conflict and a re-read. Least recently used
 * entries are dropped beyond `capacity`.
 */
export class CaseCache {
  private readonly entries = new Map<string, LockedCase>();

  constructor(private readonly capacity = 10_000) {}

  get(caseId: string): LockedCase | undefined {
    const entry = this.entries.get(caseId);
    if (entry) {
      this.entries.delete(caseId);
      this.entries.set(caseId, entry);
    }
    return entry;
  }

  set(caseId: string, entry: LockedCase): void {
    this.entries.delete(caseId);
    this.entries.set(caseId, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(caseId: string): void {
    this.entries.delete(caseId);
  }

  get size(): number {
    return this.entries.size;
  }
}
