import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { TaskTokenClaims } from '@switchboard/contracts';
import { GATEWAY_POOL } from '../gateway.tokens';
import { GatewayFailure } from '../invoke/gateway-failure';

type Claims = Pick<TaskTokenClaims, 'caseId' | 'taskId' | 'seq'>;

function superseded(claims: Claims, current: { seq: string; task_id: string }): GatewayFailure {
  return new GatewayFailure(
    'TOKEN_SUPERSEDED',
    `task ${claims.taskId} (seq ${claims.seq}) was superseded by task ${current.task_id} (seq ${current.seq}) of the same case; stop, this task's result will not be used`,
  );
}

/** Cases whose last seq this process keeps as a hint (a few minutes of tasks at hundreds of cases per second). */
const HINTS = 50_000;

/**
 * The highest task sequence number (`seq` claim) the gateway has seen per case (gateway.case_task_seq). The supervisor
 * dispatches one task at a time per case with a growing seq, so a lower seq belongs to a task that was superseded
 * (timed out and re-dispatched) and may no longer act. A newer task is known from its first call on (the resolver
 * lists its tools first); until then the older token still works — the residual window (docs/gateway.md).
 *
 * One statement per call: a task's first call here raises the case's seq (one upsert), its later calls read it. Which
 * of the two to try first comes from a per-process hint (the last seq this process saw for the case); the hint only
 * picks the order, never the answer: a call passes only when its seq was just raised to or read as the case's highest,
 * so another replica's newer task is seen whatever this process remembers.
 */
@Injectable()
export class TaskSequenceRepository {
  private readonly seen = new Map<string, number>();

  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  /** Records the token's seq when it is the case's highest so far; throws TOKEN_SUPERSEDED when a higher one was seen. */
  async observe(token: Claims): Promise<void> {
    if (token.seq === undefined) return;
    const claims = { ...token, seq: token.seq };
    if ((this.seen.get(claims.caseId) ?? -1) < claims.seq && await this.raise(claims)) return;
    const current = await this.current(this.pool, claims.caseId);
    if (current && Number(current.seq) > claims.seq) throw superseded(claims, current);
    if (current && Number(current.seq) === claims.seq) return this.remember(claims.caseId, claims.seq);
    if (await this.raise(claims)) return;
    // Another call raised it between the read and the upsert: compare again.
    const after = await this.current(this.pool, claims.caseId);
    if (after && Number(after.seq) > claims.seq) throw superseded(claims, after);
  }

  /**
   * Inside a write's transaction: refuses a superseded token and share-locks the case's row until commit, so a newer
   * task's first call (which raises the seq) waits for this write to finish instead of overlapping it.
   */
  async assertCurrent(tx: PoolClient, claims: Claims): Promise<void> {
    if (claims.seq === undefined) return;
    const current = await this.current(tx, claims.caseId, true);
    if (current && Number(current.seq) > claims.seq) throw superseded(claims, current);
  }

  /** Raises the case's seq to the token's when it is higher (or the first); true when it did. */
  private async raise(claims: Claims & { seq: number }): Promise<boolean> {
    const { rows } = await this.pool.query(
      `INSERT INTO gateway.case_task_seq (case_id, seq, task_id) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO UPDATE SET seq = EXCLUDED.seq, task_id = EXCLUDED.task_id, updated_at = now()
       WHERE gateway.case_task_seq.seq < EXCLUDED.seq RETURNING seq`,
      [claims.caseId, claims.seq, claims.taskId],
    );
    if (rows[0]) this.remember(claims.caseId, claims.seq);
    return rows[0] !== undefined;
  }

  private remember(caseId: string, seq: number): void {
    this.seen.delete(caseId);
    this.seen.set(caseId, seq);
    if (this.seen.size > HINTS) this.seen.delete(this.seen.keys().next().value!);
  }

  private async current(db: Pick<Pool, 'query'>, caseId: string, share = false): Promise<{ seq: string; task_id: string } | undefined> {
    const { rows } = await db.query<{ seq: string; task_id: string }>(
      `SELECT seq::text AS seq, task_id FROM gateway.case_task_seq WHERE case_id = $1${share ? ' FOR SHARE' : ''}`,
      [caseId],
    );
    return rows[0];
  }
}
