// The console inbox at 10,000 open cases (issue 20): the inbox's first page, a deep page, filters and searches, each
// timed through InboxRepository.page — the SQL GET /v1/cases runs, over node-postgres, rows decoded — against a plain
// indexed query (a primary-key lookup of one case) measured in the same run, in alternating blocks, as the baseline.
// The old inbox query (every matching case sorted at query time, LIMIT 200) is timed too, for comparison.
// Seeds its own database (switchboard_bench_inbox_test, dropped and created each run): 10,000 open cases (escalated,
// awaiting approval, failed) and 10,000 resolved ones, 50 tenants, with subjects, bodies (60 words: a third from 40
// common support words, the rest from a skewed 3,000-word vocabulary), requesters, held tools, escalation reasons and
// assignees, then ANALYZE. The plan of each query is printed (which index answers it).
// Run: npm run bench:inbox   (BENCH_INBOX_OPEN, BENCH_INBOX_SAMPLES)
import { join } from 'node:path';
import { Pool } from 'pg';
import { configureLogging } from '@switchboard/observability';
import { runMigrations } from '@switchboard/store';
import { decodeCursor, searchOf, type InboxQuery } from '../../apps/supervisor/src/inbox/inbox.query';
import { InboxRepository } from '../../apps/supervisor/src/inbox/inbox.repository';
import { TEST_DATABASE_URL } from '../support/env';
import { recreateDatabase } from '../support/databases';
import { alternate, info, percentile, printFigures, type Figure } from './support/figures';

const OPEN = Number(process.env.BENCH_INBOX_OPEN ?? 10_000);
const SAMPLES = Number(process.env.BENCH_INBOX_SAMPLES ?? 200);
const DB = 'switchboard_bench_inbox_test';
const QUEUE = ['ESCALATED', 'AWAITING_APPROVAL', 'FAILED'] as const;

// Deterministic pseudo-random words, so every run seeds the same data.
const SEED_SQL = `
WITH words AS (SELECT ARRAY['invoice','refund','dashboard','blank','export','stuck','login','locked','password','trial','extend','charged','twice',
                            'cache','stale','report','missing','billing','error','timeout','upgrade','plan','seat','license','webhook','sync',
                            'calendar','mobile','crash','slow','search','filter','import','csv','api','token','sso','saml','invite','email'] AS w),
n AS (SELECT g, (g * 7919) % 50 AS t, (g * 104729) % 997 AS r FROM generate_series(1, $1::int + $2::int) g)
INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, intent, version, state, ticket, context, created_at, updated_at)
SELECT 'case_' || substr(md5(g::text), 1, 24),
       'tenant-' || t, CASE WHEN t % 3 = 0 THEN 'eu-west-1' ELSE 'us-east-1' END, 'zendesk', 'ZD-' || (100000 + g),
       status, 'assist', (ARRAY['refund','dashboard_cache','account_lockout','trial_extension','billing_question','other'])[1 + r % 6], 3,
       jsonb_build_object('status', status, 'run', 1)
         || CASE WHEN status = 'AWAITING_APPROVAL' THEN jsonb_build_object('approval', jsonb_build_object('approvalId', 'apr_' || g, 'tool', (ARRAY['issue_refund','extend_trial','unlock_user'])[1 + r % 3], 'arguments', '{}'::jsonb, 'reason', 'over the threshold'))
                 WHEN status IN ('ESCALATED', 'FAILED') THEN jsonb_build_object('escalation', jsonb_build_object('reason', (ARRAY['triage confidence 0.5 is below 0.95','needs a human','the verifier could not confirm the change','budget max_cost reached'])[1 + r % 4], 'breaker', (ARRAY['low_confidence','agent_decision','unverified','max_cost'])[1 + r % 4], 'at', '2026-12-01T10:00:00Z'))
                 ELSE '{}'::jsonb END
         || CASE WHEN r % 5 = 0 THEN jsonb_build_object('assignee', (ARRAY['ana','bob','carla','dev'])[1 + r % 4]) ELSE '{}'::jsonb END,
       jsonb_build_object('externalId', 'ZD-' || (100000 + g), 'tenantId', 'tenant-' || t, 'priority', (ARRAY['low','normal','normal','normal','high','urgent'])[1 + r % 6],
         'requester', jsonb_build_object('email', 'user' || g || '@tenant-' || t || '.example', 'name', 'Customer ' || g),
         'subject', initcap(w[1 + r % 40]) || ' ' || w[1 + (r / 3) % 40] || ' ' || w[1 + (g * 31) % 40],
         'body', (SELECT string_agg(CASE WHEN k % 3 = 0 THEN w[1 + ((g * k * 17 + r) % 40)]
                                         ELSE 'term' || floor(3000 * power(((g::bigint * k * 2654435761) % 1000003) / 1000003.0, 3))::int END, ' ')
                    FROM generate_series(1, 60) k)),
       '{"passages": []}'::jsonb,
       now() - make_interval(secs => g * 37), now() - make_interval(secs => g * 11)
  FROM n, words,
       LATERAL (SELECT CASE WHEN g > $1::int THEN 'RESOLVED' ELSE (ARRAY['ESCALATED','ESCALATED','AWAITING_APPROVAL','ESCALATED','FAILED','AWAITING_APPROVAL'])[1 + g % 6] END AS status) s`;

// The inbox query before migration 020: every matching case sorted at query time, LIMIT 200.
const OLD_LIST_SQL = `
SELECT case_id, tenant_id, region, status, mode, intent, state->'escalation' AS escalation, state->'approval' AS approval, state->'helpdesk' AS helpdesk,
       ticket->>'subject' AS subject, priority, created_at, updated_at
  FROM (SELECT *, COALESCE(context->'triage'->>'priority', ticket->>'priority', 'normal') AS priority FROM supervisor.cases) c
 WHERE status = ANY($1::text[])
 ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, updated_at DESC
 LIMIT 200`;

/** The plan's scan nodes, e.g. "Index Scan cases_inbox" — which index answers the query. */
async function planOf(pool: Pool, q: InboxQuery): Promise<string> {
  let captured: { text: string; values: unknown[] } | undefined;
  const spy = { query: (text: string, values: unknown[]) => { captured = { text, values }; return Promise.resolve({ rows: [] }); } } as unknown as Pool;
  await new InboxRepository(spy).page(q);
  const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${captured!.text}`, captured!.values);
  const scans: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    const type = String(node['Node Type']);
    if (/Scan/.test(type)) scans.push(`${type}${node['Index Name'] ? ` ${node['Index Name']}` : node['Relation Name'] ? ` ${node['Relation Name']}` : ''}`);
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk((rows[0]['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
  return scans.join(' + ');
}

export async function run(): Promise<Figure[]> {
  const url = await recreateDatabase(TEST_DATABASE_URL, DB);
  const pool = new Pool({ connectionString: url, max: 2 });
  const root = join(__dirname, '..', '..');
  try {
    await runMigrations(pool, 'store', join(root, 'libs', 'store', 'migrations'));
    await runMigrations(pool, 'supervisor', join(root, 'apps', 'supervisor', 'migrations'));
    const t0 = performance.now();
    await pool.query(SEED_SQL, [OPEN, OPEN]);
    await pool.query('ANALYZE');
    const seedSeconds = (performance.now() - t0) / 1000;
    const { rows: [counts] } = await pool.query(`SELECT count(*) FILTER (WHERE status = ANY($1::text[]))::int AS open, count(*)::int AS total, (SELECT count(*)::int FROM supervisor.case_search) AS docs FROM supervisor.cases`, [QUEUE]);
    const repo = new InboxRepository(pool);
    const { rows: [probe] } = await pool.query(`SELECT case_id, external_id, ticket->'requester'->>'email' AS email FROM supervisor.cases WHERE status = 'ESCALATED' ORDER BY case_id LIMIT 1 OFFSET 1234`);

    const base: Omit<InboxQuery, 'limit'> = { statuses: QUEUE };
    let deep = await repo.page({ ...base, limit: 50 });
    for (let i = 1; i < 20 && deep.nextCursor; i++) deep = await repo.page({ ...base, limit: 50, after: decodeCursor(deep.nextCursor)! });
    const page20 = decodeCursor(deep.nextCursor!)!;

    const scenarios: Array<[string, InboxQuery]> = [
      ['first page (the default queue, 50 rows)', { ...base, limit: 50 }],
      ['page 21 (keyset cursor after 1,000 rows)', { ...base, limit: 50, after: page20 }],
      ['filtered: one tenant, unassigned', { ...base, limit: 50, tenant: 'tenant-7', assignee: null }],
      ['search: a requester\'s address', { ...base, limit: 50, search: searchOf(probe.email) }],
      ['search: two common words (thousands match), escalated only', { statuses: ['ESCALATED'], limit: 50, search: searchOf('refund stuck') }],
      ['search: a rare word', { ...base, limit: 50, search: searchOf('term2990') }],
      ['search: a ticket id (as a word)', { ...base, limit: 50, search: searchOf(probe.external_id) }],
      ['search: a tool name + tenant filter', { ...base, limit: 50, tenant: 'tenant-12', search: searchOf('issue_refund') }],
      ['search: an exact case id', { ...base, limit: 50, search: searchOf(probe.case_id) }],
    ];
    const baseline = async (): Promise<number> => {
      const t = performance.now();
      await pool.query('SELECT case_id, status, updated_at FROM supervisor.cases WHERE case_id = $1', [probe.case_id]);
      return performance.now() - t;
    };
    const figures: Figure[] = [
      info(`seeded cases, open / all (search documents), in ${seedSeconds.toFixed(1)} s`, counts.open, `/ ${counts.total} (${counts.docs})`),
    ];
    const baselineAll: number[] = [];
    const perBlock = 10;
    for (const [name, q] of scenarios) {
      const rows = (await repo.page(q)).cases.length;
      const plan = await planOf(pool, q);
      const system = async (): Promise<number> => {
        const t = performance.now();
        await repo.page(q);
        return performance.now() - t;
      };
      const s = await alternate(Math.ceil(SAMPLES / perBlock), perBlock, baseline, system);
      baselineAll.push(...s.baseline);
      const p50 = percentile(s.system, 50), p99 = percentile(s.system, 99), b50 = percentile(s.baseline, 50), b99 = percentile(s.baseline, 99);
      figures.push(
        info(`${name}: ${rows} rows — ${plan}`, NaN, ''),
        info('  p50 / p99', p50, `/ ${p99.toFixed(2)} ms`),
        info('  baseline (primary-key lookup, same blocks) p50 / p99', b50, `/ ${b99.toFixed(2)} ms`),
        info('  ratio p50 / p99', p50 / b50, `/ ${(p99 / b99).toFixed(2)} ×`),
      );
    }
    const old = async (): Promise<number> => {
      const t = performance.now();
      await pool.query(OLD_LIST_SQL, [QUEUE]);
      return performance.now() - t;
    };
    const o = await alternate(Math.ceil(SAMPLES / 4 / perBlock), perBlock, baseline, old);
    figures.push(
      info('for comparison, the old inbox query (sorted at query time, LIMIT 200) p50 / p99', percentile(o.system, 50), `/ ${percentile(o.system, 99).toFixed(2)} ms`),
      info('baseline over the whole run p50 / p99', percentile(baselineAll, 50), `/ ${percentile(baselineAll, 99).toFixed(2)} ms`),
      info('samples per query', SAMPLES, ''),
    );
    return figures;
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures(`console inbox at ${OPEN} open cases (real Postgres, InboxRepository.page vs a primary-key lookup)`, f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
