import type { Pool } from 'pg';
import { encodeCursor, type InboxQuery } from './inbox.query';

/** One inbox row: what the list shows, plus `urgency` so a client can place a live-updated row in queue order. */
export interface InboxRow {
  case_id: string;
  tenant_id: string;
  region: string;
  status: string;
  mode: string;
  intent: string | null;
  escalation: Record<string, unknown> | null;
  approval: Record<string, unknown> | null;
  helpdesk: Record<string, unknown> | null;
  subject: string;
  requester: string | null;
  priority: 'urgent' | 'high' | 'normal' | 'low';
  urgency: number;
  assignee: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface InboxPage {
  cases: InboxRow[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface SavedView {
  name: string;
  query: Record<string, string>;
  updated_at: Date;
}

/**
 * The console inbox over supervisor.cases (migration 020): keyset pages in queue order — urgency, then most recently
 * changed, then case id, all descending — so page N costs what page 1 does; full-text search through
 * supervisor.case_search (GIN; external ids are words there) or an exact case id. The default queue (ESCALATED, AWAITING_APPROVAL, FAILED)
 * is read from a partial index already in that order.
 */
export class InboxRepository {
  constructor(private readonly pool: Pool) {}

  async page(q: InboxQuery): Promise<InboxPage> {
    const params: unknown[] = [q.statuses];
    const p = (value: unknown) => `$${params.push(value)}`;
    const where = ['c.status = ANY($1::text[])'];
    if (q.tenant !== undefined) where.push(`c.tenant_id = ${p(q.tenant)}`);
    if (q.intent !== undefined) where.push(`c.intent = ${p(q.intent)}`);
    if (q.region !== undefined) where.push(`c.region = ${p(q.region)}`);
    if (q.reason !== undefined) {
      const like = `%${q.reason.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      where.push(`(c.state->'escalation'->>'breaker' = ${p(q.reason)} OR c.state->'escalation'->>'reason' ILIKE ${p(like)})`);
    }
    if (q.assignee !== undefined) where.push(q.assignee === null ? 'c.assignee IS NULL' : `c.assignee = ${p(q.assignee)}`);
    if (q.ids !== undefined) where.push(`c.case_id = ANY(${p(q.ids)}::text[])`);
    if (q.createdFrom !== undefined) where.push(`c.created_at >= ${p(q.createdFrom)}`);
    if (q.createdTo !== undefined) where.push(`c.created_at < ${p(q.createdTo)}`);
    if (q.tiers !== undefined) where.push(`c.state->>'tier' = ANY(${p(q.tiers)}::text[])`);
    if (q.search) {
      const s = q.search;
      where.push('caseId' in s ? `c.case_id = ${p(s.caseId)}`
        : 'tsquery' in s ? `c.case_id IN (SELECT d.case_id FROM supervisor.case_search d WHERE d.doc @@ to_tsquery('simple', ${p(s.tsquery)}))`
          : 'false');
    }
    if (q.after) {
      where.push(`(c.urgency, c.updated_at, c.case_id) < (${p(q.after.urgency)}::smallint, 'epoch'::timestamptz + ${p(q.after.updatedUs)}::bigint * interval '1 microsecond', ${p(q.after.caseId)}::text)`);
    }
    const { rows } = await this.pool.query(
      `SELECT c.case_id, c.tenant_id, c.region, c.status, c.mode, c.intent, c.state->'escalation' AS escalation, c.state->'approval' AS approval,
              c.state->'helpdesk' AS helpdesk, c.ticket->>'subject' AS subject, c.ticket->'requester'->>'email' AS requester,
              CASE c.urgency WHEN 3 THEN 'urgent' WHEN 2 THEN 'high' WHEN 1 THEN 'normal' ELSE 'low' END AS priority, c.urgency, c.assignee,
              c.created_at, c.updated_at, (extract(epoch FROM c.updated_at) * 1000000)::bigint::text AS updated_us
         FROM supervisor.cases c
        WHERE ${where.join('\n          AND ')}
        ORDER BY c.urgency DESC, c.updated_at DESC, c.case_id DESC
        LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const more = rows.length > q.limit;
    const cases = (more ? rows.slice(0, q.limit) : rows).map(({ updated_us: _us, ...row }) => row as InboxRow);
    const last = more ? rows[q.limit - 1] : undefined;
    return { cases, nextCursor: last ? encodeCursor({ urgency: last.urgency, updatedUs: last.updated_us, caseId: last.case_id }) : null };
  }

  async views(owner: string): Promise<SavedView[]> {
    const { rows } = await this.pool.query('SELECT name, query, updated_at FROM supervisor.saved_views WHERE owner = $1 ORDER BY name', [owner]);
    return rows;
  }

  /** Creates or replaces a view; false when the owner already has `max` other views. */
  async saveView(owner: string, name: string, query: Record<string, string>, max: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO supervisor.saved_views (owner, name, query) SELECT $1, $2, $3
        WHERE EXISTS (SELECT 1 FROM supervisor.saved_views WHERE owner = $1 AND name = $2)
           OR (SELECT count(*) FROM supervisor.saved_views WHERE owner = $1) < $4
       ON CONFLICT (owner, name) DO UPDATE SET query = EXCLUDED.query, updated_at = now()`,
      [owner, name, query, max],
    );
    return rowCount === 1;
  }

  async deleteView(owner: string, name: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM supervisor.saved_views WHERE owner = $1 AND name = $2', [owner, name]);
    return rowCount === 1;
  }
}
