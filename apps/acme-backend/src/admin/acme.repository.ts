import { inTransaction } from '@switchboard/store';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { ACME_POOL } from '../acme.config';

export type Db = Pick<PoolClient, 'query'>;

const money = (cents: string | number): number => Number(cents) / 100;
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** SQL of the acme schema. Methods take a `db` so the service can group them in one transaction. */
@Injectable()
export class AcmeRepository {
  constructor(@Inject(ACME_POOL) readonly pool: Pool) {}

  transaction<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async tenant(db: Db, tenantId: string) {
    const { rows } = await db.query(
      `SELECT t.id, t.name, t.region, t.plan, t.status, c.status AS cache_status, s.plan AS sub_plan, s.status AS sub_status, s.renews_on::text AS renews_on
       FROM acme.tenants t LEFT JOIN acme.tenant_cache c ON c.tenant_id = t.id LEFT JOIN acme.subscriptions s ON s.tenant_id = t.id
       WHERE t.id = $1`, [tenantId]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id as string, name: r.name as string, region: r.region as string, plan: r.plan as string, status: r.status as string,
      // A stale cache after a settings change is what leaves the dashboard blank in the demo scenario.
      dashboard: r.cache_status === 'stale' ? 'blank' : 'ok',
      subscription: r.sub_plan ? { plan: r.sub_plan as string, status: r.sub_status as string, renewsOn: r.renews_on as string } : null,
    };
  }

  async user(db: Db, tenantId: string, email: string, forUpdate = false) {
    const { rows } = await db.query(
      `SELECT id, tenant_id, email, name, role, locked, locked_at, failed_attempts FROM acme.users WHERE tenant_id = $1 AND lower(email) = lower($2)${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, email]);
    const r = rows[0];
    if (!r) return undefined;
    return { id: r.id as string, tenantId: r.tenant_id as string, email: r.email as string, name: r.name as string, role: r.role as string, locked: r.locked as boolean, failedAttempts: r.failed_attempts as number, lockedAt: iso(r.locked_at) };
  }

  async unlockUser(db: Db, userId: string): Promise<void> {
    await db.query('UPDATE acme.users SET locked = false, locked_at = NULL, failed_attempts = 0 WHERE id = $1', [userId]);
  }

  async loginAttempts(db: Db, tenantId: string, email: string | undefined, limit: number) {
    const { rows } = await db.query(
      `SELECT at, email, success, reason, ip FROM acme.login_attempts WHERE tenant_id = $1 AND ($2::text IS NULL OR lower(email) = lower($2))
       ORDER BY at DESC, id DESC LIMIT $3`, [tenantId, email ?? null, limit]);
    return rows.map((r) => ({ at: iso(r.at)!, email: r.email as string, success: r.success as boolean, reason: r.reason as string | null, ip: r.ip as string | null }));
  }

  async flags(db: Db, tenantId: string) {
    const { rows } = await db.query('SELECT flag, enabled, updated_at FROM acme.feature_flags WHERE tenant_id = $1 ORDER BY flag', [tenantId]);
    return rows.map((r) => ({ flag: r.flag as string, enabled: r.enabled as boolean, updatedAt: iso(r.updated_at)! }));
  }

  async flag(db: Db, tenantId: string, flag: string, forUpdate = false) {
    const { rows } = await db.query(`SELECT flag, enabled, updated_at FROM acme.feature_flags WHERE tenant_id = $1 AND flag = $2${forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, flag]);
    const r = rows[0];
    return r ? { tenantId, flag: r.flag as string, enabled: r.enabled as boolean, updatedAt: iso(r.updated_at)! } : undefined;
  }

  async setFlag(db: Db, tenantId: string, flag: string, enabled: boolean): Promise<void> {
    await db.query('UPDATE acme.feature_flags SET enabled = $3, updated_at = clock_timestamp() WHERE tenant_id = $1 AND flag = $2', [tenantId, flag, enabled]);
  }

  async cache(db: Db, tenantId: string) {
    const { rows } = await db.query('SELECT status, version, last_reset_at, stale_since FROM acme.tenant_cache WHERE tenant_id = $1', [tenantId]);
    const r = rows[0];
    return r ? { tenantId, status: r.status as 'fresh' | 'stale', version: r.version as number, lastResetAt: iso(r.last_reset_at), staleSince: iso(r.stale_since) } : undefined;
  }

  async markCacheStale(db: Db, tenantId: string): Promise<void> {
    await db.query(`UPDATE acme.tenant_cache SET status = 'stale', stale_since = COALESCE(stale_since, clock_timestamp()) WHERE tenant_id = $1`, [tenantId]);
  }

  async resetCache(db: Db, tenantId: string): Promise<void> {
    await db.query(`UPDATE acme.tenant_cache SET status = 'fresh', version = version + 1, last_reset_at = clock_timestamp(), stale_since = NULL WHERE tenant_id = $1`, [tenantId]);
  }

  async trial(db: Db, tenantId: string, forUpdate = false) {
    const { rows } = await db.query(
      `SELECT started_on::text, ends_on::text, converted, extensions, last_extension_days, ends_on < current_date AS expired
       FROM acme.trials WHERE tenant_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [tenantId]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      tenantId,
      status: (r.converted ? 'converted' : r.expired ? 'expired' : 'active') as 'active' | 'expired' | 'converted',
      startedOn: r.started_on as string, endsOn: r.ends_on as string, extensions: r.extensions as number, lastExtensionDays: r.last_extension_days as number | null,
    };
  }

  async extendTrial(db: Db, tenantId: string, days: number): Promise<void> {
    await db.query(
      `UPDATE acme.trials SET ends_on = GREATEST(ends_on, current_date) + $2::int, extensions = extensions + 1, last_extension_days = $2 WHERE tenant_id = $1`,
      [tenantId, days]);
  }

  async invoices(db: Db, tenantId: string) {
    const { rows } = await db.query(
      `SELECT i.id, i.number, i.amount_cents, i.currency, i.status, i.issued_on::text, COALESCE(sum(r.amount_cents), 0) AS refunded
       FROM acme.invoices i LEFT JOIN acme.refunds r ON r.invoice_id = i.id WHERE i.tenant_id = $1
       GROUP BY i.id ORDER BY i.issued_on DESC, i.id`, [tenantId]);
    return rows.map((r) => ({
      id: r.id as string, number: r.number as string, amount: money(r.amount_cents), currency: r.currency as string, status: r.status as string,
      issuedOn: r.issued_on as string, refundedTotal: money(r.refunded), remaining: money(Number(r.amount_cents) - Number(r.refunded)),
    }));
  }

  async invoice(db: Db, tenantId: string, invoiceId: string, forUpdate = false) {
    const { rows } = await db.query(
      `SELECT id, tenant_id, number, amount_cents, currency, status, issued_on::text FROM acme.invoices WHERE tenant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, invoiceId]);
    const r = rows[0];
    if (!r) return undefined;
    const refunds = await db.query('SELECT id, amount_cents, reason, created_at FROM acme.refunds WHERE invoice_id = $1 ORDER BY created_at, id', [invoiceId]);
    const refundedCents = refunds.rows.reduce((sum, x) => sum + Number(x.amount_cents), 0);
    return {
      id: r.id as string, tenantId: r.tenant_id as string, number: r.number as string, amount: money(r.amount_cents), amountCents: Number(r.amount_cents),
      currency: r.currency as string, status: r.status as 'paid' | 'open' | 'void', issuedOn: r.issued_on as string,
      refundedTotal: money(refundedCents), remaining: money(Number(r.amount_cents) - refundedCents), remainingCents: Number(r.amount_cents) - refundedCents,
      refunds: refunds.rows.map((x) => ({ id: x.id as string, amount: money(x.amount_cents), reason: x.reason as string, createdAt: iso(x.created_at)! })),
    };
  }

  async insertRefund(db: Db, refund: { id: string; invoiceId: string; tenantId: string; amountCents: number; reason: string }) {
    const { rows } = await db.query(
      'INSERT INTO acme.refunds (id, invoice_id, tenant_id, amount_cents, reason) VALUES ($1,$2,$3,$4,$5) RETURNING created_at',
      [refund.id, refund.invoiceId, refund.tenantId, refund.amountCents, refund.reason]);
    return iso(rows[0].created_at)!;
  }

  async events(db: Db, tenantId: string, limit: number) {
    const { rows } = await db.query('SELECT at, kind, detail FROM acme.events WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2', [tenantId, limit]);
    return rows.map((r) => ({ at: iso(r.at)!, kind: r.kind as string, detail: r.detail as Record<string, unknown> }));
  }

  async event(db: Db, tenantId: string, kind: string, detail: Record<string, unknown>): Promise<void> {
    await db.query('INSERT INTO acme.events (tenant_id, kind, detail) VALUES ($1,$2,$3)', [tenantId, kind, JSON.stringify(detail)]);
  }

  /** Idempotency-Key bookkeeping; the advisory lock makes concurrent requests with one key run one at a time. */
  async lockIdempotencyKey(db: Db, key: string) {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`acme.idem:${key}`]);
    const { rows } = await db.query('SELECT fingerprint, status, body FROM acme.idempotency_keys WHERE key = $1', [key]);
    return rows[0] as { fingerprint: string; status: number; body: unknown } | undefined;
  }

  async storeIdempotencyKey(db: Db, key: string, fingerprint: string, status: number, body: unknown): Promise<void> {
    await db.query('INSERT INTO acme.idempotency_keys (key, fingerprint, status, body) VALUES ($1,$2,$3,$4)', [key, fingerprint, status, JSON.stringify(body)]);
  }
}
