import { Histogram, type Registry } from 'prom-client';
import type { ApplyEventInput, ApplyEventResult } from './case.repository';

/** How a batch is written: one event alone, or several in one statement with a result or an error per event. */
export interface GroupWriter {
  one(input: ApplyEventInput): Promise<ApplyEventResult>;
  many(inputs: readonly ApplyEventInput[]): Promise<Array<ApplyEventResult | Error>>;
}

interface Pending {
  input: ApplyEventInput;
  resolve: (result: ApplyEventResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of the hot path's writes (issue 21). One write is in flight at a time; the events that arrive
 * meanwhile (other partitions' handlers, the supervisor handles `SUPERVISOR_CONCURRENCY` at once) wait for it and then
 * go together, up to `maxBatch`, in one statement and one commit (CaseRepository.applyEvents). An event that finds
 * nothing in flight is written at once, alone, so an idle supervisor adds no latency; under load the batches grow by
 * themselves, which is when round trips and commits cost most. Each event keeps its own outcome: a version conflict
 * or any other failure of one event rejects that event's caller only, and nothing of it is written.
 */
export class GroupCommit {
  private readonly queue: Pending[] = [];
  private flushing = false;

  /**
   * @param maxBatch events per statement; at most 32, each is a subtransaction and Postgres keeps 64 per transaction
   *   in shared memory
   * @param onFlush told the size of every batch written (metrics)
   */
  constructor(private readonly writer: GroupWriter, private readonly maxBatch: number, private readonly onFlush?: (events: number) => void) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 32) throw new RangeError(`group commit batch must be 1 to 32 events, got ${maxBatch}`);
  }

  apply(input: ApplyEventInput): Promise<ApplyEventResult> {
    return new Promise<ApplyEventResult>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.onFlush?.(batch.length);
        if (batch.length === 1) {
          const only = batch[0]!;
          await this.writer.one(only.input).then(only.resolve, only.reject);
          continue;
        }
        try {
          const results = await this.writer.many(batch.map((p) => p.input));
          results.forEach((result, i) => (result instanceof Error ? batch[i]!.reject(result) : batch[i]!.resolve(result)));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** The supervisor's histogram of events per group-commit statement; returns the GroupCommit `onFlush` hook. */
export function groupCommitMetric(registry: Registry): (events: number) => void {
  const sizes = new Histogram({
    name: 'switchboard_supervisor_group_commit_events', help: 'Events written per statement by the hot path (group commit)',
    buckets: [1, 2, 4, 8, 16, 32], registers: [registry],
  });
  return (events) => sizes.observe(events);
}
