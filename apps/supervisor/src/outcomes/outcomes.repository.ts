import type { Pool } from 'pg';
import { VERIFIED_TIERS } from './outcome-tier';

/** What cost per verified resolution can be grouped by. */
export const OUTCOME_GROUPS = ['intent', 'tenant', 'procedure', 'model', 'region', 'none'] as const;
export type OutcomeGroupBy = (typeof OUTCOME_GROUPS)[number];

/** Cases of one tier (or `in_progress`: no tier yet; `not_recorded`: settled before tiers existed) with their LLM usage. */
export interface TierRow {
  tier: string;
  cases: number;
  tokens: number;
  costUsd: number;
}

/** One group (and, for the time series, one UTC day) of cases: tier counts and the LLM spend of all its cases. */
export interface OutcomeGroupRow {
  group: string;
  day?: string;
  cases: number;
  verified: number;
  verifiedAutonomous: number;
  resolvedAfterApproval: number;
  assisted: number;
  escalated: number;
  reopened: number;
  undelivered: number;
  inProgress: number;
  tokens: number;
  costUsd: number;
}

// A case that used several models counts (with its whole spend) in each model's group; one that used none in 'none'.
const GROUP_SQL: Record<OutcomeGroupBy, { column: string; join: string }> = {
  intent: { column: "COALESCE(c.intent, 'unknown')", join: '' },
  tenant: { column: 'c.tenant_id', join: '' },
  region: { column: 'c.region', join: '' },
  procedure: { column: "COALESCE((c.state->'resolution'->'procedure'->>'id') || '@' || (c.state->'resolution'->'procedure'->>'version'), 'none')", join: '' },
  model: {
    column: 'm.model',
    join: `CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.state->'models') = 'array' AND jsonb_array_length(c.state->'models') > 0
             THEN c.state->'models' ELSE '["none"]'::jsonb END) AS m(model)`,
  },
  none: { column: "'all'", join: '' },
};

// The tier is the one the state machine stored with the case (outcomes/outcome-tier.ts); SQL only counts it. The tier
// and the spend are columns of the case (migration 027), so a period is one scan of supervisor.cases, not of its trace;
// only the procedure and model groupings read the core state.
const CASES = `
WITH c AS (
  SELECT case_id, tenant_id, region, intent, created_at, state, tier, tokens::float8 AS tokens, cost_usd::float8 AS cost,
         -- A case that waits for a human or an agent has no tier yet; a settled one without a tier was decided
         -- before tiers were recorded (it gets one at its next event).
         COALESCE(tier, CASE WHEN status IN ('RESOLVED', 'ESCALATED', 'CLOSED', 'FAILED') THEN 'not_recorded' ELSE 'in_progress' END) AS bucket
    FROM supervisor.cases WHERE created_at >= $1 AND created_at < $2
)`;

const count = (tier: string) => `count(*) FILTER (WHERE c.tier = '${tier}')::int`;
const VERIFIED = `count(*) FILTER (WHERE c.tier IN (${VERIFIED_TIERS.map((t) => `'${t}'`).join(', ')}))::int`;

const groupSql = (by: OutcomeGroupBy, byDay: boolean) => {
  const g = GROUP_SQL[by];
  const day = byDay ? `to_char(date_trunc('day', c.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')` : null;
  return `${CASES}
SELECT ${g.column} AS "group", ${day ? `${day} AS day,` : ''}
       count(*)::int AS cases, ${VERIFIED} AS verified,
       ${count('verified_autonomous')} AS "verifiedAutonomous", ${count('resolved_after_approval')} AS "resolvedAfterApproval",
       ${count('assisted')} AS assisted, ${count('escalated')} AS escalated, ${count('reopened')} AS reopened, ${count('undelivered')} AS undelivered,
       count(*) FILTER (WHERE c.bucket = 'in_progress')::int AS "inProgress",
       COALESCE(SUM(c.tokens), 0)::float8 AS tokens, COALESCE(SUM(c.cost), 0)::float8 AS "costUsd"
  FROM c ${g.join}
 GROUP BY ${day ? '1, 2 ORDER BY 2, 1' : '1 ORDER BY 2 DESC, 1'}`;
};

const TIERS_SQL = `${CASES}
SELECT c.bucket AS tier, count(*)::int AS cases, COALESCE(SUM(c.tokens), 0)::float8 AS tokens, COALESCE(SUM(c.cost), 0)::float8 AS "costUsd"
  FROM c GROUP BY 1 ORDER BY 2 DESC, 1`;

/** Outcome tiers of the cases created in a period, with their LLM spend, by group and by day (schema `supervisor`). */
export class OutcomesRepository {
  constructor(private readonly pool: Pool) {}

  async tiers(from: Date, to: Date): Promise<TierRow[]> {
    return (await this.pool.query<TierRow>(TIERS_SQL, [from, to])).rows;
  }

  async groups(from: Date, to: Date, by: OutcomeGroupBy): Promise<OutcomeGroupRow[]> {
    return (await this.pool.query<OutcomeGroupRow>(groupSql(by, false), [from, to])).rows;
  }

  /** The same figures per UTC day of case creation, for the cost-per-verified-resolution time series. */
  async days(from: Date, to: Date, by: OutcomeGroupBy): Promise<OutcomeGroupRow[]> {
    return (await this.pool.query<OutcomeGroupRow>(groupSql(by, true), [from, to])).rows;
  }
}
