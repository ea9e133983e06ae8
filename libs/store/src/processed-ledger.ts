import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './pool';

/** Result of {@link ProcessedLedger.runOnce}: the effect ran now, or it had already committed before. */
export type RunOnceResult<T> = { status: 'done'; value: T } | { status: 'duplicate' };

/**
 * The processed-message ledger that makes handlers idempotent: the effect and the ledger row commit in one
 * transaction, so a message redelivered after a crash, a rebalance or a relay retry is recognised and skipped.
 * The row is inserted first, so a concurrent second delivery waits on it and then sees a duplicate.
 *
 * @example
 * const ledger = new ProcessedLedger(pool);
 * const result = await ledger.runOnce('switchboard.supervisor', msg.envelope.id, async (tx) => {
 *   await cases.apply(tx, msg.envelope);
 *   await Outbox.add(tx, [{ topic: 'agent.triage.tasks', key: caseId, value: task }]);
 * });
 */
export class ProcessedLedger {
  constructor(private readonly pool: Pool) {}

  async runOnce<T>(consumer: string, messageId: string, fn: (tx: PoolClient) => Promise<T>): Promise<RunOnceResult<T>> {
    return inTransaction(this.pool, async (tx) => {
      // claim_message (store migration 005): the one definition of the claim, shared with single-statement writers.
      const { rows } = await tx.query<{ claimed: boolean }>('SELECT claim_message($1, $2) AS claimed', [consumer, messageId]);
      if (!rows[0]?.claimed) return { status: 'duplicate' } as const;
      return { status: 'done', value: await fn(tx) } as const;
    });
  }

  /** Whether `messageId` was processed by `consumer`. */
  async has(consumer: string, messageId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2', [consumer, messageId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Deletes entries older than `olderThanMs`. Keep it well above the longest possible redelivery window (retention of
   * the consumed topics), or an old redelivery would run again.
   *
   * @example
   * await ledger.prune(14 * 24 * 3600_000);
   */
  async prune(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM processed_messages WHERE processed_at < now() - ($1::double precision * interval '1 millisecond')`, [olderThanMs]);
    return rowCount ?? 0;
  }
}
