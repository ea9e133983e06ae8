import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@switchboard/store';
import type { DemotionCounts } from './demotion';

export interface DemotionRow {
  id: string;
  tenantId: string;
  intent: string;
  reason: string;
  counts: DemotionCounts;
  caseId: string;
  demotedAt: string;
  restoredAt: string | null;
  restoredBy: string | null;
}

const COLUMNS = `id::text, tenant_id AS "tenantId", intent, reason, counts, case_id AS "caseId", demoted_at AS "demotedAt", restored_at AS "restoredAt", restored_by AS "restoredBy"`;

// Verification failures (the `unverified` breaker), reopens after resolution and bad customer ratings of the tenant +
// intent's autonomous cases since $3: the later of the window start and the last restore, so a human's restore starts
// a clean slate. A case a customer rated bad twice counts once.
const COUNTS_SQL = `
SELECT count(*) FILTER (WHERE t.kind = 'breaker' AND t.data->>'breaker' = 'unverified')::int AS "verificationFailures",
       count(*) FILTER (WHERE t.kind = 'event' AND t.data->>'event' = 'helpdesk_reopened' AND t.data->>'afterResolved' = 'true')::int AS reopens,
       count(DISTINCT t.case_id) FILTER (WHERE t.kind = 'event' AND t.data->>'event' = 'satisfaction_rated' AND t.data->>'score' = 'bad')::int AS "negativeRatings"
  FROM supervisor.trace t JOIN supervisor.cases c USING (case_id)
 WHERE c.tenant_id = $1 AND c.intent = $2 AND c.state->'policy'->>'mode' = 'autonomous' AND t.at >= $3
   AND ((t.kind = 'breaker' AND t.data->>'breaker' = 'unverified') OR (t.kind = 'event' AND t.data->>'event' IN ('helpdesk_reopened', 'satisfaction_rated')))`;

/** Demotions of tenant + intent pairs (schema `supervisor`), each written with its decision-log row. */
export class DemotionRepository {
  constructor(private readonly pool: Pool) {}

  async active(): Promise<DemotionRow[]> {
    return (await this.pool.query<DemotionRow>(`SELECT ${COLUMNS} FROM supervisor.demotions WHERE restored_at IS NULL ORDER BY id`)).rows;
  }

  /** Active demotions and the most recent restored ones. */
  async list(limit = 100): Promise<DemotionRow[]> {
    return (await this.pool.query<DemotionRow>(`SELECT ${COLUMNS} FROM supervisor.demotions ORDER BY restored_at IS NULL DESC, id DESC LIMIT $1`, [limit])).rows;
  }

  /** The counts of the window; it starts no earlier than the pair's last restore. */
  async counts(tenantId: string, intent: string, windowStart: Date): Promise<DemotionCounts> {
    const { rows: [restored] } = await this.pool.query<{ at: Date | null }>(
      'SELECT max(restored_at) AS at FROM supervisor.demotions WHERE tenant_id = $1 AND intent = $2', [tenantId, intent],
    );
    const since = restored?.at && restored.at > windowStart ? restored.at : windowStart;
    return (await this.pool.query<DemotionCounts>(COUNTS_SQL, [tenantId, intent, since])).rows[0]!;
  }

  /**
   * Records a demotion and its decision-log row in one transaction; undefined when the pair is already demoted (a
   * concurrent check won), in which case nothing is written.
   */
  async demote(d: { tenantId: string; intent: string; reason: string; counts: DemotionCounts; caseId: string; messageId: string }): Promise<DemotionRow | undefined> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<DemotionRow>(
        `INSERT INTO supervisor.demotions (tenant_id, intent, reason, counts, case_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, intent) WHERE restored_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
        [d.tenantId, d.intent, d.reason, d.counts, d.caseId],
      );
      if (!rows[0]) return undefined;
      await decision(tx, d.caseId, { actorId: 'supervisor', actorRole: 'system', via: 'automatic', command: 'demote', messageId: d.messageId,
        arguments: { tenant: d.tenantId, intent: d.intent, to: 'assist', reason: d.reason, counts: d.counts, demotionId: rows[0].id } });
      return rows[0];
    });
  }

  /** Lifts the pair's active demotion and logs the human decision; undefined when it is not demoted. */
  async restore(r: { tenantId: string; intent: string; actorId: string; actorRole: string; via: string; note: string; messageId: string }): Promise<DemotionRow | undefined> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<DemotionRow>(
        `UPDATE supervisor.demotions SET restored_at = now(), restored_by = $3 WHERE tenant_id = $1 AND intent = $2 AND restored_at IS NULL RETURNING ${COLUMNS}`,
        [r.tenantId, r.intent, r.actorId],
      );
      if (!rows[0]) return undefined;
      await decision(tx, rows[0].caseId, { actorId: r.actorId, actorRole: r.actorRole, via: r.via, command: 'restore_autonomy', messageId: r.messageId,
        arguments: { tenant: r.tenantId, intent: r.intent, demotionId: rows[0].id, ...(r.note ? { note: r.note } : {}) } });
      return rows[0];
    });
  }
}

async function decision(tx: PoolClient, caseId: string, d: { actorId: string; actorRole: string; via: string; command: string; arguments: Record<string, unknown>; messageId: string }): Promise<void> {
  await tx.query(
    `INSERT INTO supervisor.decisions (case_id, actor_id, actor_role, via, command, arguments, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [caseId, d.actorId, d.actorRole, d.via, d.command, d.arguments, d.messageId],
  );
}
