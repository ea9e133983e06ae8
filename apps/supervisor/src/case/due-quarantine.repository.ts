import type { Pool } from 'pg';

/** A case the due scanner stopped ticking, as operators see it. */
export interface QuarantinedCase {
  caseId: string;
  tenantId: string;
  status: string;
  dueFailures: number;
  reason: string | null;
  quarantinedAt: Date;
  dueAt: Date | null;
}

/** What recording one failed tick did to the case. */
export interface DueFailureRecord {
  failures: number;
  quarantined: boolean;
}

/**
 * The due scanner's bookkeeping of failing cases (migration 005): failure count, last error, backed-off due time and
 * the quarantine that takes a case out of the scan until an operator releases it.
 */
export class DueQuarantineRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * One more failed tick of `caseId`: it is due again at `retryAt`, or quarantined once it failed `maxFailures` times.
   * Undefined when the case is gone.
   */
  async recordFailure(caseId: string, reason: string, retryAt: Date, maxFailures: number): Promise<DueFailureRecord | undefined> {
    const { rows } = await this.pool.query<{ failures: number; quarantined: boolean }>(
      `UPDATE supervisor.cases
          SET due_failures = due_failures + 1, due_error = $2,
              due_at = CASE WHEN due_failures + 1 >= $4 THEN due_at ELSE $3 END,
              quarantined_at = CASE WHEN due_failures + 1 >= $4 THEN now() ELSE quarantined_at END
        WHERE case_id = $1
        RETURNING due_failures AS failures, quarantined_at IS NOT NULL AS quarantined`,
      [caseId, reason.slice(0, 2000), retryAt.toISOString(), maxFailures],
    );
    return rows[0];
  }

  /** Forgets earlier failed ticks once a tick of the case went through (in the tick's transaction). */
  async clearFailures(db: Pick<Pool, 'query'>, caseId: string): Promise<void> {
    await db.query('UPDATE supervisor.cases SET due_failures = 0, due_error = NULL WHERE case_id = $1', [caseId]);
  }

  async list(limit = 100): Promise<QuarantinedCase[]> {
    const { rows } = await this.pool.query(
      `SELECT case_id, tenant_id, status, due_failures, due_error, quarantined_at, due_at FROM supervisor.cases
        WHERE quarantined_at IS NOT NULL ORDER BY quarantined_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      caseId: r.case_id, tenantId: r.tenant_id, status: r.status, dueFailures: r.due_failures, reason: r.due_error, quarantinedAt: r.quarantined_at, dueAt: r.due_at,
    }));
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM supervisor.cases WHERE quarantined_at IS NOT NULL');
    return rows[0]!.n;
  }

  /**
   * Returns a quarantined case to the scan with a clean failure count, due now (a tick that finds nothing due only
   * recomputes its due time). False when the case is not quarantined.
   */
  async release(caseId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE supervisor.cases SET quarantined_at = NULL, due_failures = 0, due_error = NULL, due_at = now()
        WHERE case_id = $1 AND quarantined_at IS NOT NULL`,
      [caseId],
    );
    return (rowCount ?? 0) > 0;
  }
}
