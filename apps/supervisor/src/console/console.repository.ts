import type { Pool, PoolClient } from 'pg';

export interface DecisionRow {
  caseId: string;
  actorId: string;
  actorRole: string;
  via: string;
  command: string;
  arguments: Record<string, unknown>;
  messageId: string;
}

export interface FeedbackInput {
  caseId: string;
  kind: 'step' | 'outcome' | 'note';
  ref: string | null;
  rating: 'up' | 'down';
  comment: string;
  subject: Record<string, unknown>;
  actorId: string;
  actorRole: string;
}

export type KpiGroupBy = 'intent' | 'region' | 'day' | 'none';

export interface KpiRow {
  group: string;
  cases: number;
  resolved: number;
  autoResolved: number;
  escalated: number;
  autoResolutionRate: number | null;
  escalationRate: number | null;
  mttrSeconds: number | null;
  /** Median and 90th percentile of the time from arrival to the first RESOLVED, over the resolved cases. */
  ttrP50Seconds: number | null;
  ttrP90Seconds: number | null;
  approvals: number;
  approvalTurnaroundSeconds: number | null;
  tokensPerCase: number | null;
  costUsdPerCase: number | null;
  /** Resolved cases whose ticket was reopened afterwards (helpdesk signal). */
  reopened: number;
  /** Resolved and not reopened, over all cases: the verified resolution that held. */
  verifiedResolutionRate: number | null;
  /** Cases with a reply, note or escalation the helpdesk never received (failed for good, not re-sent yet). */
  undelivered: number;
}

export interface CaseChange {
  caseId: string;
  status: string;
  version: number;
  tenantId: string;
  intent: string | null;
  region: string;
  assignee: string | null;
  updatedAt: string;
}

const GROUP_COLUMN: Record<KpiGroupBy, string> = {
  intent: "COALESCE(c.intent, 'unknown')", region: 'c.region', none: "'all'",
  day: `to_char(date_trunc('day', c.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
};

// Cases created in [from, to). "Auto-resolved": RESOLVED (the verifier passed) with no human command on the case.
// Approval turnaround: from entering AWAITING_APPROVAL to the next transition (approved → RESOLVING, rejected → ESCALATED).
// One scan of the cases in the period: each case carries its KPI facts, kept by apply_transition (migration 027), so
// the page does not aggregate the trace and the transitions of every case on each load.
const kpiSql = (group: string) => `
SELECT ${group} AS "group",
       count(*)::int AS cases,
       count(c.resolved_at)::int AS resolved,
       count(c.resolved_at) FILTER (WHERE NOT c.human_touched)::int AS "autoResolved",
       count(*) FILTER (WHERE c.escalated)::int AS escalated,
       AVG(EXTRACT(EPOCH FROM (c.resolved_at - c.created_at)))::float8 AS "mttrSeconds",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (c.resolved_at - c.created_at)))::float8 AS "ttrP50Seconds",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (c.resolved_at - c.created_at)))::float8 AS "ttrP90Seconds",
       COALESCE(SUM(c.approvals), 0)::int AS approvals,
       (SUM(c.approval_seconds) / NULLIF(SUM(c.approvals), 0))::float8 AS "approvalTurnaroundSeconds",
       AVG(c.tokens)::float8 AS "tokensPerCase",
       AVG(c.cost_usd)::float8 AS "costUsdPerCase",
       count(c.resolved_at) FILTER (WHERE c.reopens > 0)::int AS reopened,
       count(*) FILTER (WHERE c.undelivered > 0)::int AS undelivered
  FROM supervisor.cases c
 WHERE c.created_at >= $1 AND c.created_at < $2
 GROUP BY 1 ORDER BY 2 DESC, 1`;

// Every escalation counts once with its own reason: the breaker recorded in the same transition (trace rows and the
// transition share the case version), else the resolver's own decision to escalate. A case escalated, re-run and
// escalated again counts twice; taking over a case that already waits for a human is not a new escalation.
const REASONS_SQL = `
SELECT COALESCE(b.data->>'breaker', 'agent_decision') AS reason, count(*)::int AS count
  FROM supervisor.transitions tr
  JOIN supervisor.cases c ON c.case_id = tr.case_id
  LEFT JOIN supervisor.trace b ON b.case_id = tr.case_id AND b.version = tr.version AND b.kind = 'breaker'
 WHERE tr.to_status = 'ESCALATED' AND tr.from_status <> 'ESCALATED'
   AND c.created_at >= $1 AND c.created_at < $2
 GROUP BY 1 ORDER BY 2 DESC, 1`;

/** Console persistence: the decision audit, feedback, KPIs and the case change feed (schema `supervisor`). */
export class ConsoleRepository {
  constructor(private readonly pool: Pool) {}

  /** Appends one decision (append-only table) in the caller's transaction, next to its outbox row. */
  async recordDecision(tx: PoolClient, d: DecisionRow): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO supervisor.decisions (case_id, actor_id, actor_role, via, command, arguments, message_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text`,
      [d.caseId, d.actorId, d.actorRole, d.via, d.command, d.arguments, d.messageId],
    );
    return rows[0]!.id;
  }

  async decisions(caseId: string): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      'SELECT id::text, actor_id, actor_role, via, command, arguments, message_id, at FROM supervisor.decisions WHERE case_id = $1 ORDER BY supervisor.decisions.id',
      [caseId],
    );
    return rows;
  }

  /** The trace row a step feedback points at, if it belongs to the case. */
  async traceStep(caseId: string, id: string): Promise<{ kind: string; agent: string | null; task_id: string | null } | undefined> {
    const { rows } = await this.pool.query('SELECT kind, agent, task_id FROM supervisor.trace WHERE case_id = $1 AND id = $2', [caseId, id]);
    return rows[0];
  }

  async addFeedback(f: FeedbackInput): Promise<{ id: string; at: string }> {
    const { rows } = await this.pool.query<{ id: string; at: string }>(
      `INSERT INTO supervisor.feedback (case_id, target_kind, target_ref, rating, comment, subject, actor_id, actor_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text, at`,
      [f.caseId, f.kind, f.ref, f.rating, f.comment, f.subject, f.actorId, f.actorRole],
    );
    return rows[0]!;
  }

  async feedbackOf(caseId: string): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      'SELECT id::text, target_kind, target_ref, rating, comment, subject, actor_id, actor_role, at FROM supervisor.feedback WHERE case_id = $1 ORDER BY supervisor.feedback.id',
      [caseId],
    );
    return rows;
  }

  /** Feedback in [from, to), oldest first, for export. */
  async exportFeedback(from: Date, to: Date, limit: number): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      `SELECT f.id::text, f.case_id, c.tenant_id, c.region, c.intent, c.mode, f.target_kind, f.target_ref, f.rating, f.comment,
              f.subject, f.actor_id, f.actor_role, f.at
         FROM supervisor.feedback f JOIN supervisor.cases c USING (case_id)
        WHERE f.at >= $1 AND f.at < $2 ORDER BY f.id LIMIT $3`,
      [from, to, limit],
    );
    return rows;
  }

  async kpis(from: Date, to: Date, groupBy: KpiGroupBy): Promise<KpiRow[]> {
    const { rows } = await this.pool.query(kpiSql(GROUP_COLUMN[groupBy]), [from, to]);
    // A trend reads oldest first; other groupings stay biggest first.
    if (groupBy === 'day') rows.sort((a, b) => String(a.group).localeCompare(String(b.group)));
    return rows.map((r) => ({
      ...r,
      autoResolutionRate: r.cases ? r.autoResolved / r.cases : null,
      escalationRate: r.cases ? r.escalated / r.cases : null,
      verifiedResolutionRate: r.cases ? (r.resolved - r.reopened) / r.cases : null,
    }));
  }

  async escalationReasons(from: Date, to: Date): Promise<Array<{ reason: string; count: number }>> {
    return (await this.pool.query(REASONS_SQL, [from, to])).rows;
  }

  /** Cases by current status (bounded label set), for /metrics. */
  /**
   * Open cases (status not in `stopped`) per priority, and how many of them are past their SLA now: `sla` lists each
   * allowance in minutes, tenant '' for the default of a priority. One aggregate query; no case leaves the database.
   */
  async slaCounts(sla: Array<{ tenantId: string; urgency: number; minutes: number }>, stopped: readonly string[]): Promise<Array<{ urgency: number; open: number; breached: number }>> {
    const { rows } = await this.pool.query(
      `WITH sla AS (SELECT * FROM unnest($1::text[], $2::smallint[], $3::int[]) AS s(tenant_id, urgency, minutes))
       SELECT c.urgency::int AS urgency, count(*)::int AS open,
              count(*) FILTER (WHERE c.created_at + make_interval(mins => coalesce(t.minutes, d.minutes)) <= now())::int AS breached
         FROM supervisor.cases c
         LEFT JOIN sla t ON t.tenant_id = c.tenant_id AND t.urgency = c.urgency
         LEFT JOIN sla d ON d.tenant_id = '' AND d.urgency = c.urgency
        WHERE NOT (c.status = ANY($4::text[]))
        GROUP BY c.urgency`,
      [sla.map((s) => s.tenantId), sla.map((s) => s.urgency), sla.map((s) => s.minutes), stopped],
    );
    return rows;
  }

  async statusCounts(): Promise<Array<{ status: string; count: number }>> {
    return (await this.pool.query('SELECT status, count(*)::int AS count FROM supervisor.cases GROUP BY status')).rows;
  }

  /** Cases changed after `since` (by their decision time), oldest first. */
  async changedSince(since: Date, limit: number): Promise<CaseChange[]> {
    const { rows } = await this.pool.query(
      `SELECT case_id AS "caseId", status, version, tenant_id AS "tenantId", intent, region, assignee, updated_at AS "updatedAt"
         FROM supervisor.cases WHERE updated_at > $1 ORDER BY updated_at LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt).toISOString() }));
  }
}
