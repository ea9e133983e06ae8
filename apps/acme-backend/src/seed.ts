import type { Pool } from 'pg';
import { inTransaction } from '@switchboard/store';

const DAY = 24 * 3600 * 1000;

function isoDate(offsetDays: number, now: number): string {
  return new Date(now + offsetDays * DAY).toISOString().slice(0, 10);
}

/** Seeded tenants and the ids tests and scenarios refer to. */
export const ACME_SEED = {
  tenants: ['acme-eu', 'globex', 'initech'] as const,
  /** acme-eu's dashboard is blank: `new-dashboard` was switched on, the cache went stale; a cache reset fixes it. */
  blankDashboardTenant: 'acme-eu',
  lockedUser: { tenantId: 'globex', email: 'hank@globex.example' },
  unlockedUser: { tenantId: 'globex', email: 'bob@globex.example' },
  paidInvoice: { tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 250 },
  openInvoice: { tenantId: 'globex', invoiceId: 'inv_globex_1002', amount: 99 },
  partlyRefundedInvoice: { tenantId: 'globex', invoiceId: 'inv_globex_1003', amount: 80, refunded: 30 },
  trialTenant: 'initech',
  convertedTrialTenant: 'globex',
} as const;

/**
 * Empties the acme schema and writes the demo data: acme-eu (eu-sovereign, blank dashboard after the new-dashboard
 * flag, stale cache), globex (us-east-1, invoices for refunds, a locked user), initech (us-east-1, trial ending in
 * two days, a locked user). Dates are relative to `now`. Used by tests, the scenario suite and `ACME_SEED`.
 *
 * @example
 * await seedAcme(pool);
 */
export async function seedAcme(pool: Pool, now: number = Date.now()): Promise<void> {
  const ago = (ms: number): string => new Date(now - ms).toISOString();
  await inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext(\'acme.seed\'))');
    await tx.query(`TRUNCATE acme.idempotency_keys, acme.events, acme.refunds, acme.invoices, acme.subscriptions, acme.trials,
      acme.tenant_cache, acme.feature_flags, acme.login_attempts, acme.users, acme.tenants RESTART IDENTITY CASCADE`);
    await tx.query(`INSERT INTO acme.tenants (id, name, region, plan, status, created_at) VALUES
      ('acme-eu', 'Acme Europe GmbH', 'eu-sovereign', 'enterprise', 'active', $1),
      ('globex', 'Globex Corporation', 'us-east-1', 'pro', 'active', $2),
      ('initech', 'Initech', 'us-east-1', 'trial', 'active', $3)`, [ago(400 * DAY), ago(200 * DAY), ago(12 * DAY)]);
    await tx.query(`INSERT INTO acme.users (id, tenant_id, email, name, role, locked, locked_at, failed_attempts) VALUES
      ('usr_acme_anna', 'acme-eu', 'anna@acme-eu.example', 'Anna Schmidt', 'admin', false, NULL, 0),
      ('usr_acme_marc', 'acme-eu', 'marc@acme-eu.example', 'Marc Weber', 'member', false, NULL, 0),
      ('usr_globex_hank', 'globex', 'hank@globex.example', 'Hank Scorpio', 'admin', true, $1, 5),
      ('usr_globex_bob', 'globex', 'bob@globex.example', 'Bob Smith', 'member', false, NULL, 1),
      ('usr_initech_peter', 'initech', 'peter@initech.example', 'Peter Gibbons', 'admin', true, $2, 6),
      ('usr_initech_milton', 'initech', 'milton@initech.example', 'Milton Waddams', 'member', false, NULL, 0)`,
      [ago(30 * 60 * 1000), ago(3 * 3600 * 1000)]);
    const attempts: Array<[string, string, number, boolean, string | null]> = [
      ['globex', 'hank@globex.example', 40, false, 'wrong_password'],
      ['globex', 'hank@globex.example', 38, false, 'wrong_password'],
      ['globex', 'hank@globex.example', 36, false, 'wrong_password'],
      ['globex', 'hank@globex.example', 34, false, 'wrong_password'],
      ['globex', 'hank@globex.example', 31, false, 'wrong_password'],
      ['globex', 'hank@globex.example', 30, false, 'account_locked'],
      ['globex', 'bob@globex.example', 120, true, null],
      ['initech', 'peter@initech.example', 200, false, 'wrong_password'],
      ['initech', 'peter@initech.example', 190, false, 'account_locked'],
      ['acme-eu', 'anna@acme-eu.example', 60, true, null],
    ];
    for (const [tenant, email, minutesAgo, success, reason] of attempts) {
      await tx.query('INSERT INTO acme.login_attempts (tenant_id, email, at, success, reason, ip) VALUES ($1,$2,$3,$4,$5,$6)',
        [tenant, email, ago(minutesAgo * 60 * 1000), success, reason, '203.0.113.7']);
    }
    await tx.query(`INSERT INTO acme.feature_flags (tenant_id, flag, enabled, updated_at) VALUES
      ('acme-eu', 'new-dashboard', true, $1), ('acme-eu', 'sso', true, $2), ('acme-eu', 'audit-export', false, $2),
      ('globex', 'new-dashboard', false, $2), ('globex', 'sso', false, $2),
      ('initech', 'new-dashboard', false, $2), ('initech', 'beta-reports', true, $2)`, [ago(2 * 3600 * 1000), ago(90 * DAY)]);
    await tx.query(`INSERT INTO acme.tenant_cache (tenant_id, status, version, last_reset_at, stale_since) VALUES
      ('acme-eu', 'stale', 41, $1, $2), ('globex', 'fresh', 17, $3, NULL), ('initech', 'fresh', 3, $3, NULL)`,
      [ago(9 * DAY), ago(2 * 3600 * 1000), ago(DAY)]);
    await tx.query(`INSERT INTO acme.trials (tenant_id, started_on, ends_on, converted, extensions, last_extension_days) VALUES
      ('acme-eu', $1, $2, true, 0, NULL), ('globex', $3, $4, true, 1, 7), ('initech', $5, $6, false, 0, NULL)`,
      [isoDate(-400, now), isoDate(-386, now), isoDate(-200, now), isoDate(-179, now), isoDate(-12, now), isoDate(2, now)]);
    await tx.query(`INSERT INTO acme.subscriptions (tenant_id, plan, status, renews_on) VALUES
      ('acme-eu', 'enterprise', 'active', $1), ('globex', 'pro', 'active', $2)`, [isoDate(35, now), isoDate(12, now)]);
    await tx.query(`INSERT INTO acme.invoices (id, tenant_id, number, amount_cents, currency, status, issued_on) VALUES
      ('inv_acme_eu_2401', 'acme-eu', 'AE-2401', 480000, 'EUR', 'paid', $1),
      ('inv_globex_1001', 'globex', 'GX-1001', 25000, 'USD', 'paid', $2),
      ('inv_globex_1002', 'globex', 'GX-1002', 9900, 'USD', 'open', $3),
      ('inv_globex_1003', 'globex', 'GX-1003', 8000, 'USD', 'paid', $4),
      ('inv_initech_0001', 'initech', 'IN-0001', 4900, 'USD', 'paid', $5)`,
      [isoDate(-20, now), isoDate(-18, now), isoDate(-3, now), isoDate(-48, now), isoDate(-10, now)]);
    await tx.query(`INSERT INTO acme.refunds (id, invoice_id, tenant_id, amount_cents, reason, created_at) VALUES
      ('ref_seed_1', 'inv_globex_1003', 'globex', 3000, 'service credit for outage', $1)`, [ago(40 * DAY)]);
    await tx.query(`INSERT INTO acme.events (tenant_id, at, kind, detail) VALUES
      ('acme-eu', $1, 'feature_flag.changed', '{"flag":"new-dashboard","enabled":true,"by":"anna@acme-eu.example"}'),
      ('acme-eu', $1, 'cache.invalidated', '{"cause":"feature_flag.changed"}'),
      ('globex', $2, 'user.locked', '{"email":"hank@globex.example","failedAttempts":5}'),
      ('initech', $3, 'user.locked', '{"email":"peter@initech.example","failedAttempts":6}')`,
      [ago(2 * 3600 * 1000), ago(30 * 60 * 1000), ago(3 * 3600 * 1000)]);
  });
}

/** Whether the acme schema already has tenants (for `ACME_SEED=if-empty`). */
export async function acmeHasData(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM acme.tenants');
  return rows[0]!.n > 0;
}
