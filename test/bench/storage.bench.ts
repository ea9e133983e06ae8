// Storage per case (issue 21), measured on a database real pipelines have written: Postgres bytes (tables, indexes,
// TOAST) of the supervisor, gateway, helpdesk and shared tables, divided by the cases in it, per table, next to the
// baseline of what arrived — the ticket's own JSON — and projected linearly to 100,000 cases. By default one
// point, over whatever cases the database holds (on a test machine, the cases of the suites and evals run on it), and
// sizes include dead rows not yet vacuumed and published outbox rows retention has not pruned yet (7 days by default).
// Read-only: catalogue queries and one count.
// With --grow N the growth curve instead (test database only): cases are run through the real pipeline (the
// throughput benchmark's open loop: every agent hop, zero-latency scripted model) N at a time, --steps times, and the
// storage is measured after each step — bytes per case overall and for the step's own cases (Δbytes / Δcases).
// Run: npm run bench:storage [-- --database-url postgres://…]   (default: the test database)
//      npm run build && npm run bench:storage -- --grow 5000 --steps 4 [--rate 60]
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { TEST_DATABASE_URL } from '../support/env';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { World } from '../scenarios/support/world';
import { policyYaml } from '../scenarios/support/scenario';
import { info, printFigures, type Figure } from './support/figures';
import { OpenLoop } from './support/open-loop';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, grow: { type: 'string' }, steps: { type: 'string' }, rate: { type: 'string' } } });
const url = values['database-url'] ?? process.env.DATABASE_URL ?? TEST_DATABASE_URL;

interface Measured {
  cases: number;
  /** Mean stored size of the ticket JSON. */
  ticket: number;
  tables: Array<{ schema: string; name: string; bytes: string; rows: string }>;
  total: number;
}

async function measure(pool: Pool): Promise<Measured> {
  const { rows: [cases] } = await pool.query<{ n: number; ticket: number }>(
    `SELECT count(*)::int AS n, coalesce(avg(pg_column_size(ticket)), 0)::float8 AS ticket FROM supervisor.cases`);
  const { rows: tables } = await pool.query<{ schema: string; name: string; bytes: string; rows: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes, c.reltuples::bigint::text AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('supervisor', 'gateway', 'helpdesk', 'public')
      ORDER BY pg_total_relation_size(c.oid) DESC`);
  return { cases: cases?.n ?? 0, ticket: cases?.ticket ?? 0, tables, total: tables.reduce((sum, t) => sum + Number(t.bytes), 0) };
}

/** The growth curve: `steps` × `per` cases through the pipeline, storage measured after each. */
async function grow(per: number, steps: number, rate: number): Promise<void> {
  if (url !== TEST_DATABASE_URL) throw new Error('--grow runs cases through a test stack: only on the test database');
  if (!Number.isInteger(per) || per < 100 || !Number.isInteger(steps) || steps < 1 || steps > 20 || !(rate > 0)) throw new Error('--grow: whole cases ≥ 100; --steps 1–20; --rate > 0');
  configureLogging({ level: 'error' });
  const pool = new Pool({ connectionString: url, max: 2 });
  const world = await World.start(`bench-storage-${Date.now().toString(36)}`, new ScriptedLlm(scriptedSupportModel()), policyYaml('autonomous'), { supervisorProcess: true });
  const loop = await OpenLoop.start(world, 'st', {});
  const curve: Figure[] = [];
  try {
    await loop.warmUp();
    let before = await measure(pool);
    curve.push(info(`start: ${before.cases.toLocaleString('en')} cases in the database, bytes per case`, Math.round(before.total / Math.max(1, before.cases)), 'bytes'));
    for (let step = 1; step <= steps; step++) {
      const r = await loop.phase(rate, per / rate, []);
      const after = await measure(pool);
      const added = after.cases - before.cases;
      process.stdout.write(`[storage] step ${step}/${steps}: ${r.done} cases done, ${r.lost} lost, ${after.cases.toLocaleString('en')} in the database\n`);
      curve.push(
        info(`after step ${step}: ${after.cases.toLocaleString('en')} cases, bytes per case overall`, Math.round(after.total / after.cases), 'bytes'),
        info(`  the step's ${added.toLocaleString('en')} cases: bytes each (Δ total / Δ cases)`, Math.round((after.total - before.total) / Math.max(1, added)), 'bytes'),
        info('  total', Math.round(after.total / 1e6), 'MB'),
      );
      before = after;
    }
    printFigures(`Storage growth: ${steps} × ${per.toLocaleString('en')} cases through the pipeline at ${rate} cases/s (how-to case, every hop)`, curve);
  } finally {
    await loop.stop();
    await world.close();
    await pool.end();
  }
}

async function main(): Promise<void> {
  if (values.grow) return grow(Number(values.grow), Number(values.steps ?? 4), Number(values.rate ?? 60));
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    const { cases: n, ticket, tables, total } = await measure(pool);
    const cases = { n, ticket };
    if (cases.n === 0) throw new Error(`no case in ${new URL(url).pathname.slice(1)}: run some cases first (npm run eval, scripts/demo or the tests)`);
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

main().then(() => process.exit(process.exitCode ?? 0), (error: unknown) => {
  process.stderr.write(`bench:storage failed: ${(error as Error).message}\n`);
  process.exit(1);
});
