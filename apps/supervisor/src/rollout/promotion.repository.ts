import type { Pool } from 'pg';
import type { RolloutMode } from '@switchboard/contracts';
import { inTransaction } from '@switchboard/store';
import type { AgreementCounts, PromotionEvidence, RatingCounts } from './promotion';

export interface PromotionRow {
  id: string;
  tenantId: string;
  intent: string;
  mode: RolloutMode;
  evidence: PromotionEvidence;
  caseId: string;
  promotedBy: string;
  promotedAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

const COLUMNS = `id::text, tenant_id AS "tenantId", intent, mode, evidence, case_id AS "caseId", promoted_by AS "promotedBy",
  promoted_at AS "promotedAt", revoked_at AS "revokedAt", revoked_by AS "revokedBy"`;

// Per case of the pair in the window: the mode it ran in, and its human ratings of notes, drafts and outcomes (a case
// counts once: approved when its thumbs-up outnumber its thumbs-down).
const WINDOW_SQL = `
WITH pair AS (
  SELECT case_id, state->'policy'->>'mode' AS mode, created_at FROM supervisor.cases
   WHERE tenant_id = $1 AND intent = $2 AND created_at >= $3
), rated AS (
  SELECT p.case_id, p.mode, count(*) FILTER (WHERE f.rating = 'up') AS up, count(*) FILTER (WHERE f.rating = 'down') AS down
    FROM pair p JOIN supervisor.feedback f ON f.case_id = p.case_id AND f.target_kind IN ('note', 'outcome')
   GROUP BY p.case_id, p.mode
)
SELECT (SELECT count(*) FILTER (WHERE mode = 'shadow') FROM pair)::int AS shadow,
       (SELECT count(*) FILTER (WHERE mode = 'assist') FROM pair)::int AS assist,
       (SELECT count(*) FILTER (WHERE mode = 'autonomous') FROM pair)::int AS autonomous,
       (SELECT count(*) FROM rated WHERE mode = 'shadow')::int AS rated_shadow,
       (SELECT count(*) FROM rated WHERE mode = 'shadow' AND up > down)::int AS approved_shadow,
       (SELECT count(*) FROM rated WHERE mode = 'assist')::int AS rated_assist,
       (SELECT count(*) FROM rated WHERE mode = 'assist' AND up > down)::int AS approved_assist,
       (SELECT count(*) FROM supervisor.trace t WHERE t.case_id IN (SELECT case_id FROM pair)
          AND t.kind = 'breaker' AND t.data->>'breaker' = 'unverified')::int AS verification_failures,
       (SELECT case_id FROM pair ORDER BY created_at DESC LIMIT 1) AS latest,
       -- What humans then did with the agents' proposals: the replies they sent from the console on shadow cases with
       -- a drafted reply (sent unedited = agreement), and their decisions on held writes of the pair's cases.
       (SELECT count(*) FROM pair p JOIN supervisor.trace t ON t.case_id = p.case_id
         WHERE p.mode = 'shadow' AND t.kind = 'event' AND t.data->>'event' = 'reply_sent' AND t.data->>'proposed' IS NOT NULL)::int AS replies_sent,
       (SELECT count(*) FROM pair p JOIN supervisor.trace t ON t.case_id = p.case_id
         WHERE p.mode = 'shadow' AND t.kind = 'event' AND t.data->>'event' = 'reply_sent' AND t.data->>'proposed' IS NOT NULL
           AND t.data->>'edited' = 'false')::int AS replies_unedited,
       (SELECT count(*) FROM supervisor.decisions d WHERE d.case_id IN (SELECT case_id FROM pair) AND d.command IN ('approve', 'reject'))::int AS approvals_decided,
       (SELECT count(*) FROM supervisor.decisions d WHERE d.case_id IN (SELECT case_id FROM pair) AND d.command = 'approve')::int AS approvals_approved`;

export interface WindowCounts {
  cases: Record<RolloutMode, number>;
  ratings: { assist: RatingCounts; autonomous: RatingCounts };
  verificationFailures: number;
  agreement: AgreementCounts;
  latestCaseId: string | null;
}

/** Promotions of tenant + intent pairs (schema `supervisor`), each written with its decision-log row. */
export class PromotionRepository {
  constructor(private readonly pool: Pool) {}

  async window(tenantId: string, intent: string, since: Date): Promise<WindowCounts> {
    const { rows: [r] } = await this.pool.query<Record<string, number> & { latest: string | null }>(WINDOW_SQL, [tenantId, intent, since]);
    return {
      cases: { shadow: r!.shadow!, assist: r!.assist!, autonomous: r!.autonomous! },
      ratings: {
        assist: { ratedCases: r!.rated_shadow!, approvedCases: r!.approved_shadow! },
        autonomous: { ratedCases: r!.rated_assist!, approvedCases: r!.approved_assist! },
      },
      verificationFailures: r!.verification_failures!,
      agreement: {
        repliesSent: r!.replies_sent!, repliesUnedited: r!.replies_unedited!,
        approvalsDecided: r!.approvals_decided!, approvalsApproved: r!.approvals_approved!,
      },
      latestCaseId: r!.latest,
    };
  }

  async active(): Promise<PromotionRow[]> {
    return (await this.pool.query<PromotionRow>(`SELECT ${COLUMNS} FROM supervisor.promotions WHERE revoked_at IS NULL ORDER BY id`)).rows;
  }

  /** Active promotions first, then the most recent revoked ones. */
  async list(limit = 100): Promise<PromotionRow[]> {
    return (await this.pool.query<PromotionRow>(`SELECT ${COLUMNS} FROM supervisor.promotions ORDER BY revoked_at IS NULL DESC, id DESC LIMIT $1`, [limit])).rows;
  }

  /**
   * Records a promotion (superseding the pair's active one, if any) and its decision-log row in one transaction.
   * `expectedFrom` guards against a concurrent promotion: undefined when the pair's active promotion is no longer it.
   */
  async promote(p: {
    tenantId: string; intent: string; mode: RolloutMode; evidence: PromotionEvidence; caseId: string; actorId: string; actorRole: string; via: string;
    note: string; messageId: string; expectedActiveId: string | null;
  }): Promise<PromotionRow | undefined> {
    return inTransaction(this.pool, async (tx) => {
      const { rows: current } = await tx.query<{ id: string }>(
        'SELECT id::text FROM supervisor.promotions WHERE tenant_id = $1 AND intent = $2 AND revoked_at IS NULL FOR UPDATE', [p.tenantId, p.intent],
      );
      if ((current[0]?.id ?? null) !== p.expectedActiveId) return undefined;
      if (current[0]) await tx.query('UPDATE supervisor.promotions SET revoked_at = now(), revoked_by = $2 WHERE id = $1', [current[0].id, p.actorId]);
      const { rows } = await tx.query<PromotionRow>(
        `INSERT INTO supervisor.promotions (tenant_id, intent, mode, evidence, case_id, promoted_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [p.tenantId, p.intent, p.mode, p.evidence, p.caseId, p.actorId],
      );
      await tx.query(
        `INSERT INTO supervisor.decisions (case_id, actor_id, actor_role, via, command, arguments, message_id) VALUES ($1, $2, $3, $4, 'promote', $5, $6)`,
        [p.caseId, p.actorId, p.actorRole, p.via, {
          tenant: p.tenantId, intent: p.intent, to: p.mode, promotionId: rows[0]!.id, ...(p.note ? { note: p.note } : {}),
          evidence: { cases: p.evidence.cases, ratings: p.evidence.ratings, verificationFailures: p.evidence.verificationFailures, simulations: p.evidence.simulations.map((s) => `${s.procedure} ${s.passed}/${s.tests}`) },
        }, p.messageId],
      );
      return rows[0]!;
    });
  }

  /** Revokes the pair's active promotion and logs the decision; undefined when it has none. */
  async revoke(r: { tenantId: string; intent: string; actorId: string; actorRole: string; via: string; note: string; messageId: string }): Promise<PromotionRow | undefined> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<PromotionRow>(
        `UPDATE supervisor.promotions SET revoked_at = now(), revoked_by = $3 WHERE tenant_id = $1 AND intent = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
        [r.tenantId, r.intent, r.actorId],
      );
      if (!rows[0]) return undefined;
      await tx.query(
        `INSERT INTO supervisor.decisions (case_id, actor_id, actor_role, via, command, arguments, message_id) VALUES ($1, $2, $3, $4, 'revoke_promotion', $5, $6)`,
        [rows[0].caseId, r.actorId, r.actorRole, r.via, { tenant: r.tenantId, intent: r.intent, promotionId: rows[0].id, ...(r.note ? { note: r.note } : {}) }, r.messageId],
      );
      return rows[0];
    });
  }
}
