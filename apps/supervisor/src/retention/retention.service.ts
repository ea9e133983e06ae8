import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import { describeError, JsonLogger } from '@switchboard/observability';
import { deleteInBatches, pruneProcessedMessages, pruneSentOutbox } from '@switchboard/store';
import { TERMINAL_STATUSES } from '../case/case.types';

/** How long each kind of row is kept (ms); see docs/operations.md "Retention". */
export interface RetentionPolicy {
  /** Outbox rows, from when they were published (unsent rows are always kept). */
  outboxSentMs: number;
  /** Processed-message ledger rows, from when the message was handled. */
  processedMs: number;
  /** Trace rows of a finished case (RESOLVED, FAILED, CLOSED), from the case's last change. */
  traceMs: number;
  /** Checkpoints of a finished case, from the case's last change. */
  checkpointMs: number;
}

/** Rows deleted by one {@link RetentionService.pruneOnce}, by table. */
export type PruneCounts = Record<'outbox' | 'processed_messages' | 'trace' | 'checkpoints', number>;

/**
 * Scheduled pruning of what would otherwise grow forever: sent outbox rows (they carry tickets, replies and task
 * tokens), the processed-message ledger, and the trace and checkpoints of cases finished long ago. Case rows,
 * transitions and outcomes are kept (KPIs, the queue); personal data in them is removed by erasure instead
 * (docs/operations.md). Every replica runs the schedule; a session advisory lock lets one of them prune at a time.
 */
export class RetentionService {
  private readonly logger = new JsonLogger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly pruned?: Counter<'table'>;

  constructor(
    private readonly pool: Pool,
    private readonly policy: RetentionPolicy,
    options: { registry?: Registry; clock?: () => Date } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    if (options.registry) {
      this.pruned = new Counter({ name: 'switchboard_supervisor_pruned_rows_total', help: 'Rows deleted by retention, by table', labelNames: ['table'], registers: [options.registry] });
    }
  }

  private readonly clock: () => Date;

  /** Prunes every `intervalMs` (the first run one interval after start); 0 disables pruning. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.pruneOnce().catch((error: unknown) => this.logger.error('retention pruning failed; next interval retries', { error: describeError(error) })).finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pruning pass; undefined when another replica holds the retention lock. */
  async pruneOnce(): Promise<PruneCounts | undefined> {
    const lock = await this.pool.connect();
    try {
      const { rows } = await lock.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('switchboard.retention')) AS ok`);
      if (!rows[0]?.ok) return undefined;
      try {
        return await this.prune();
      } finally {
        await lock.query(`SELECT pg_advisory_unlock(hashtext('switchboard.retention'))`);
      }
    } finally {
      lock.release();
    }
  }

  private async prune(): Promise<PruneCounts> {
    const now = this.clock().getTime();
    const before = (ms: number) => new Date(now - ms);
    const finished = [...TERMINAL_STATUSES];
    const counts: PruneCounts = {
      outbox: await pruneSentOutbox(this.pool, before(this.policy.outboxSentMs)),
      processed_messages: await pruneProcessedMessages(this.pool, before(this.policy.processedMs)),
      trace: await deleteInBatches(
        this.pool,
        `DELETE FROM supervisor.trace WHERE id IN (
           SELECT t.id FROM supervisor.cases c JOIN supervisor.trace t USING (case_id)
            WHERE c.status = ANY($3::text[]) AND c.updated_at < $2 LIMIT $1)`,
        [before(this.policy.traceMs).toISOString(), finished],
      ),
      checkpoints: await deleteInBatches(
        this.pool,
        `DELETE FROM supervisor.checkpoints WHERE (case_id, version) IN (
           SELECT k.case_id, k.version FROM supervisor.cases c JOIN supervisor.checkpoints k USING (case_id)
            WHERE c.status = ANY($3::text[]) AND c.updated_at < $2 LIMIT $1)`,
        [before(this.policy.checkpointMs).toISOString(), finished],
      ),
    };
    for (const [table, n] of Object.entries(counts)) if (n > 0) this.pruned?.inc({ table }, n);
    if (Object.values(counts).some((n) => n > 0)) this.logger.info('retention pruned old rows', counts);
    return counts;
  }
}
