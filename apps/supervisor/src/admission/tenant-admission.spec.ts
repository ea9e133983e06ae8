import type { Pool } from 'pg';
import { TenantAdmission } from './tenant-admission';

// The shared budget's arithmetic: who counts as in demand, and each tenant's share. The cap it feeds is counted in
// Postgres and tested on the real stack (apps/supervisor/test/admission-share.int-spec.ts). No Postgres here: the
// pool is unused, and the refresh test answers the count query with a stand-in (the real query runs in that suite).
describe('TenantAdmission shared budget', () => {
  const pool = {} as Pool;
  let now = 0;
  const clock = () => now;
  beforeEach(() => { now = 1_000_000; });

  it('gives a tenant alone the whole budget, and an equal share once others send tickets', () => {
    const admission = new TenantAdmission(pool, 0, undefined, { budget: 12, windowMs: 30_000, now: clock });
    expect(admission.enabled).toBe(true);
    admission.noteDemand('storm');
    expect(admission.currentShare()).toBe(12);
    admission.noteDemand('quiet-a');
    expect(admission.currentShare()).toBe(6);
    admission.noteDemand('quiet-b');
    expect(admission.currentShare()).toBe(4);
    admission.noteDemand('storm'); // counted once however many tickets it sends
    expect(admission.tenantsInDemand()).toBe(3);
  });

  it('forgets a tenant whose last ticket left the window, and gives its share back', () => {
    const admission = new TenantAdmission(pool, 0, undefined, { budget: 12, windowMs: 30_000, now: clock });
    admission.noteDemand('quiet');
    now += 20_000;
    admission.noteDemand('storm');
    expect(admission.currentShare()).toBe(6);
    now += 10_001; // quiet's ticket is now 30.001 s old, storm's 10 s
    expect(admission.tenantsInDemand()).toBe(1);
    expect(admission.currentShare()).toBe(12);
  });

  it('keeps a tenant in demand from its latest ticket, not its first', () => {
    const admission = new TenantAdmission(pool, 0, undefined, { budget: 12, windowMs: 30_000, now: clock });
    admission.noteDemand('a');
    admission.noteDemand('b');
    now += 25_000;
    admission.noteDemand('a'); // a is now the most recent; b expires first
    now += 6_000;
    expect(admission.tenantsInDemand()).toBe(1);
    now += 25_000;
    expect(admission.tenantsInDemand()).toBe(0);
    expect(admission.currentShare()).toBe(12);
  });

  it('never shares below one case per tenant, nor above the fixed cap when both are set', () => {
    const small = new TenantAdmission(pool, 0, undefined, { budget: 4, windowMs: 30_000, now: clock });
    for (let i = 0; i < 10; i++) small.noteDemand(`t${i}`);
    expect(small.currentShare()).toBe(1);
    const capped = new TenantAdmission(pool, 5, undefined, { budget: 40, windowMs: 30_000, now: clock });
    capped.noteDemand('alone');
    expect(capped.currentShare()).toBe(5);
  });

  it('without a budget, is the fixed cap (and off when that is 0)', () => {
    const fixed = new TenantAdmission(pool, 8);
    fixed.noteDemand('a');
    fixed.noteDemand('b');
    expect(fixed.currentShare()).toBe(8);
    expect(fixed.budget).toBeUndefined();
    expect(new TenantAdmission(pool, 0).enabled).toBe(false);
    expect(new TenantAdmission(pool, 0, undefined, { budget: 0, windowMs: 1_000 }).enabled).toBe(false);
  });

  it('takes the count of tenants in demand from Postgres at most once a second, and uses the larger of it and its own', async () => {
    const queries: unknown[][] = [];
    let count = 3;
    const db = { query: async (_sql: string, params: unknown[]) => { queries.push(params); return { rows: [{ n: count }] }; } } as unknown as Pick<Pool, 'query'>;
    const admission = new TenantAdmission(pool, 0, undefined, { budget: 12, windowMs: 30_000, now: clock });
    await admission.refreshDemand(db);
    expect(admission.tenantsInDemand()).toBe(3);
    expect(admission.currentShare()).toBe(4);
    count = 1;
    now += 999;
    await admission.refreshDemand(db); // too soon: no query
    expect(queries).toHaveLength(1);
    await admission.refreshDemand(db, 'newcomer', true); // forced, with the tenant being decided
    expect(queries).toHaveLength(2);
    expect(queries[1]).toEqual([30, ['newcomer']]);
    for (const t of ['a', 'b']) admission.noteDemand(t);
    expect(admission.tenantsInDemand()).toBe(2); // its own two beat Postgres' one
    now += 30_001; // both the count and its own notes are older than the window
    expect(admission.tenantsInDemand()).toBe(0);
  });
});

