// Storage per case (issue 21), measured on a database real pipelines have written: Postgres bytes (tables, indexes,
// TOAST) of the supervisor, gateway, helpdesk and shared tables, divided by the cases in it, per table, next to the
// baseline of what arrived — the ticket's own JSON — and projected linearly to 100,000 cases. Not a growth curve: one
// point, over whatever cases the database holds (on a test machine, the cases of the suites and evals run on it), and
// sizes include dead rows not yet vacuumed and published outbox rows retention has not pruned yet (7 days by default).
// Read-only: catalogue queries and one count.
// Run: npm run bench:storage [-- --database-url postgres://…]   (default: the test database)
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { TEST_DATABASE_URL } from '../support/env';
import { info, printFigures, type Figure } from './support/figures';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } });
const url = values['database-url'] ?? process.env.DATABASE_URL ?? TEST_DATABASE_URL;

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    const { rows: [cases] } = await pool.query<{ n: number; ticket: number }>(
      `SELECT count(*)::int AS n, coalesce(avg(pg_column_size(ticket)), 0)::float8 AS ticket FROM supervisor.cases`);
    if (!cases || cases.n === 0) throw new Error(`no case in ${new URL(url).pathname.slice(1)}: run some cases first (npm run eval, scripts/demo or the tests)`);
    const { rows: tables } = await pool.query<{ schema: string; name: string; bytes: string; rows: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes, c.reltuples::bigint::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('supervisor', 'gateway', 'helpdesk', 'public')
        ORDER BY pg_total_relation_size(c.oid) DESC`);
    const total = tables.reduce((sum, t) => sum + Number(t.bytes), 0);
    const per = (bytes: number) => bytes / cases.n;
    process.stdout.write(`\nstorage per case over ${cases.n.toLocaleString('en')} cases in ${new URL(url).pathname.slice(1)}\n\n`);
    process.stdout.write(`${'table'.padEnd(38)} ${'MB'.padStart(9)} ${'rows (est.)'.padStart(12)} ${'bytes/case'.padStart(11)}\n`);
    for (const t of tables.filter((t) => Number(t.bytes) > 64 * 1024)) {
      process.stdout.write(`${`${t.schema}.${t.name}`.padEnd(38)} ${(Number(t.bytes) / 1e6).toFixed(1).padStart(9)} ${Number(t.rows).toLocaleString('en').padStart(12)} ${Math.round(per(Number(t.bytes))).toLocaleString('en').padStart(11)}\n`);
    }
    const figures: Figure[] = [
      info('baseline: the ticket as it arrived (JSON, per case)', Math.round(cases.ticket), 'bytes'),
      info('everything Switchboard keeps, per case (tables, indexes, TOAST)', Math.round(per(total)), 'bytes'),
      info('ratio to the ticket itself', Math.round((per(total) / Math.max(1, cases.ticket)) * 10) / 10, '×'),
      info('projected for 100,000 cases (linear)', Math.round((per(total) * 100_000) / 1e6), 'MB'),
    ];
    printFigures('Storage per case', figures);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:storage failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
