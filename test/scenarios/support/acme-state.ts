// State-verified grading: a canonical projection of the reference backend's tables, the expected end state computed
// by applying a scenario's declared changes to the projection of a freshly seeded database, and a sha256 of each.
// Volatile values are normalised so two seeds at different times project identically: timestamps become "<ts>"
// (null stays null, so "was cleared" is still visible), dates become day offsets from today, generated ids are dropped.
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

export type Row = Record<string, unknown>;
export type Snapshot = Record<string, Row[]>;

/** One expected change: update the rows matching `where` with `set`, insert a row, or delete matching rows. */
export type StateChange =
  | { table: string; where: Row; set: Row }
  | { table: string; insert: Row }
  | { table: string; delete: Row };

/** Projection of each tracked table: the SQL that reads it, already normalised and in a stable order. */
const TABLES: Record<string, string> = {
  tenants: `SELECT id, name, region, plan, status FROM acme.tenants ORDER BY id`,
  users: `SELECT id, tenant_id, email, role, locked, CASE WHEN locked_at IS NULL THEN NULL ELSE '<ts>' END AS locked_at, failed_attempts
            FROM acme.users ORDER BY id`,
  feature_flags: `SELECT tenant_id, flag, enabled FROM acme.feature_flags ORDER BY tenant_id, flag`,
  tenant_cache: `SELECT tenant_id, status, version, CASE WHEN last_reset_at IS NULL THEN NULL ELSE '<ts>' END AS last_reset_at,
                   CASE WHEN stale_since IS NULL THEN NULL ELSE '<ts>' END AS stale_since FROM acme.tenant_cache ORDER BY tenant_id`,
  trials: `SELECT tenant_id, (ends_on - current_date)::int AS ends_in_days, converted, extensions, last_extension_days FROM acme.trials ORDER BY tenant_id`,
  subscriptions: `SELECT tenant_id, plan, status FROM acme.subscriptions ORDER BY tenant_id`,
  invoices: `SELECT id, tenant_id, amount_cents::int AS amount_cents, currency, status FROM acme.invoices ORDER BY id`,
  refunds: `SELECT invoice_id, tenant_id, amount_cents::int AS amount_cents FROM acme.refunds ORDER BY invoice_id, amount_cents`,
  events: `SELECT tenant_id, kind FROM acme.events ORDER BY tenant_id, kind`,
};

/** Every tracked table: the grade compares all of them, so a side effect anywhere else also fails a scenario. */
export const TRACKED_TABLES = Object.keys(TABLES);

export async function snapshot(acmeDb: Pool): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [table, sql] of Object.entries(TABLES)) out[table] = (await acmeDb.query(sql)).rows;
  return out;
}

function matches(row: Row, where: Row): boolean {
  return Object.entries(where).every(([k, v]) => row[k] === v);
}

/** The expected end state: `start` with `changes` applied (pure; `start` is not modified). */
export function applyChanges(start: Snapshot, changes: readonly StateChange[]): Snapshot {
  const next: Snapshot = structuredClone(start);
  for (const change of changes) {
    const rows = next[change.table];
    if (!rows) throw new Error(`scenario names an untracked table "${change.table}" (tracked: ${TRACKED_TABLES.join(', ')})`);
    if ('insert' in change) rows.push({ ...change.insert });
    else if ('delete' in change) next[change.table] = rows.filter((r) => !matches(r, change.delete));
    else {
      const hit = rows.filter((r) => matches(r, change.where));
      if (hit.length === 0) throw new Error(`scenario change matches no ${change.table} row: ${JSON.stringify(change.where)}`);
      for (const r of hit) Object.assign(r, change.set);
    }
  }
  return next;
}

/** JSON with sorted keys, and each table's rows sorted by their own canonical text (order-insensitive). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).sort().join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Row)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function stateHash(state: Snapshot): string {
  return createHash('sha256').update(canonical(state)).digest('hex').slice(0, 16);
}

/** Row-level differences between two snapshots, for a readable failure message. */
export function diff(expected: Snapshot, actual: Snapshot): string[] {
  const out: string[] = [];
  for (const table of TRACKED_TABLES) {
    const e = (expected[table] ?? []).map(canonical);
    const a = (actual[table] ?? []).map(canonical);
    const missing = e.filter((r) => !a.includes(r));
    const extra = a.filter((r) => !e.includes(r));
    for (const r of missing) out.push(`${table}: expected ${r}`);
    for (const r of extra) out.push(`${table}: found ${r}`);
  }
  return out;
}
