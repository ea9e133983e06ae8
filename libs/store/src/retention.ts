import type { Pool } from 'pg';

/** Whatever runs a statement: a pool or a client. */
type Queryable = Pick<Pool, 'query'>;

/**
 * Deletes in batches of `batchSize` rows (one short transaction each, so neither locks nor WAL pile up and writers
 * are never blocked for long) until a batch comes back short; returns the rows deleted. `statement` must delete at
 * most `$1` rows and take its other parameters from `params` (as `$2`…).
 *
 * @example
 * await deleteInBatches(pool, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < $2 LIMIT $1)`, [cutoff]);
 */
export async function deleteInBatches(db: Queryable, statement: string, params: unknown[], batchSize = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(statement, [batchSize, ...params]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}

/**
 * Deletes outbox rows published before `cutoff`. Unsent rows are never touched, whatever their age.
 *
 * @example
 * await pruneSentOutbox(pool, new Date(Date.now() - 7 * 86_400_000));
 */
export function pruneSentOutbox(db: Queryable, cutoff: Date, batchSize?: number): Promise<number> {
  return deleteInBatches(
    db,
    'DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < $2 ORDER BY sent_at LIMIT $1)',
    [cutoff.toISOString()],
    batchSize,
  );
}

/**
 * Deletes processed-message ledger rows written before `cutoff`. Keep the cutoff well behind the longest redelivery
 * window (retention of the consumed topics and their retry topics), or a very old redelivery would run again.
 *
 * @example
 * await pruneProcessedMessages(pool, new Date(Date.now() - 14 * 86_400_000));
 */
export function pruneProcessedMessages(db: Queryable, cutoff: Date, batchSize?: number): Promise<number> {
  return deleteInBatches(
    db,
    `DELETE FROM processed_messages WHERE ctid = ANY (ARRAY(SELECT ctid FROM processed_messages WHERE processed_at < $2 LIMIT $1))`,
    [cutoff.toISOString()],
    batchSize,
  );
}
