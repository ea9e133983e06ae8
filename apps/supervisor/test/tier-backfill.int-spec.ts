// Real: Postgres (the shared test database with the supervisor migrations), the backfill and its CLI as a process.
// Doubles: none. Cases are written as a release before outcome tiers would have left them (settled, no `state.tier`);
// every assertion is about this suite's own tenant.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { backfillTiers } from '../src/outcomes/tier-backfill';
import { TEST_DATABASE_URL } from '../../../test/support/env';
import { acquireSuiteLock, caseOf, Db, runId, ticketFor } from './support/harness';

jest.setTimeout(60_000);

describe('outcome tier backfill (real Postgres)', () => {
  const db = new Db();
  const run = runId();
  const tenant = `bf-${run}`;
  let release: () => Promise<void>;
  let n = 0;

  beforeAll(async () => {
    release = await acquireSuiteLock();
  });
  afterAll(async () => {
    await db.pool.query('DELETE FROM supervisor.cases WHERE tenant_id = $1', [tenant]);
    await db.end();
    await release();
  });

  /** A case row as an older release stored it: the given status, mode and state, no tier. */
  async function oldCase(status: string, mode: string, state: Record<string, unknown>): Promise<string> {
    const t = ticketFor(tenant, `BF-${run}-${++n}`);
    const caseId = caseOf(t);
    await db.pool.query(
      `INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, version, state, ticket, created_at, updated_at)
       VALUES ($1, $2, 'us-east-1', $3, $4, $5, $6, 7, $7, $8, now() - interval '40 days', now() - interval '40 days')`,
      [caseId, tenant, t.source, t.externalId, status, mode, JSON.stringify({ caseId, status, mode, run: 1, ...state }), JSON.stringify(t)],
    );
    return caseId;
  }
  const stored = async (caseId: string) => (await db.pool.query('SELECT version, state FROM supervisor.cases WHERE case_id = $1', [caseId])).rows[0] as { version: number; state: Record<string, unknown> };

  it('gives settled cases the tier their stored facts support, leaves the rest with the reason, writes nothing on a dry run, and is idempotent', async () => {
    const verified = await oldCase('RESOLVED', 'autonomous', { verification: { verified: true, evidence: 2, passed: 2 } });
    const approved = await oldCase('RESOLVED', 'autonomous', {
      verification: { verified: true, evidence: 1, passed: 1 }, approvals: [{ approvalId: 'ap_1', tool: 'issue_refund', by: 'ana', at: '2026-10-01T00:00:00Z', run: 1 }],
    });
    const escalated = await oldCase('ESCALATED', 'autonomous', { escalation: { reason: 'could not verify', breaker: 'unverified', at: '2026-10-01T00:00:00Z' } });
    const assisted = await oldCase('ESCALATED', 'assist', { escalation: { reason: 'assist mode: a human sends the reply', at: '2026-10-01T00:00:00Z' } });
    const unproven = await oldCase('RESOLVED', 'autonomous', {});
    const working = await oldCase('RESOLVING', 'autonomous', {});
    const already = await oldCase('RESOLVED', 'autonomous', { verification: { verified: true, evidence: 1, passed: 1 }, tier: 'reopened' });

    const dry = await backfillTiers(db.pool, { dryRun: true, tenant, batchSize: 2 });
    expect(dry).toEqual({
      dryRun: true, examined: 5, raced: 0,
      tiered: { verified_autonomous: 1, resolved_after_approval: 1, escalated: 1, assisted: 1 },
      skipped: { 'resolved without the verifier\'s verdict recorded': 1 },
    });
    expect((await stored(verified)).state).not.toHaveProperty('tier');

    const batches: number[] = [];
    const report = await backfillTiers(db.pool, { tenant, batchSize: 2, onBatch: (r) => batches.push(r.examined) });
    expect(report).toEqual({ ...dry, dryRun: false });
    expect(batches).toEqual([2, 4, 5]);
    expect(await Promise.all([verified, approved, escalated, assisted].map(async (c) => (await stored(c)).state['tier'])))
      .toEqual(['verified_autonomous', 'resolved_after_approval', 'escalated', 'assisted']);
    // Only the tier: the version (no transition) and the rest of the state are as they were.
    expect(await stored(verified)).toMatchObject({ version: 7, state: { verification: { verified: true, evidence: 2, passed: 2 }, status: 'RESOLVED' } });
    expect((await stored(unproven)).state).not.toHaveProperty('tier');
    expect((await stored(working)).state).not.toHaveProperty('tier');
    expect((await stored(already)).state['tier']).toBe('reopened');

    // Again: only the case whose facts are missing is looked at, and stays as it is.
    expect(await backfillTiers(db.pool, { tenant })).toMatchObject({ examined: 1, tiered: {}, skipped: { 'resolved without the verifier\'s verdict recorded': 1 } });
  });

  it('npm run outcomes:backfill: prints what it did, exit 3 when cases are left, 64 on bad usage', async () => {
    const ROOT = join(__dirname, '..', '..', '..');
    const cli = (args: string[]) => promisify(execFile)(process.execPath, ['-r', join(ROOT, 'libs/llm/test/support/swc-register.js'), join(ROOT, 'apps/supervisor/src/cli/backfill-tiers.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: TEST_DATABASE_URL }, cwd: ROOT,
    }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

    const fresh = await oldCase('CLOSED', 'autonomous', {});
    const out = await cli(['--tenant', tenant]);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain('gave 1 of 2 settled case(s) without a tier their tier: 1 escalated');
    expect(out.stdout).toContain('LEFT: 1 case(s): resolved without the verifier\'s verdict recorded');
    expect((await stored(fresh)).state['tier']).toBe('escalated');
    expect(JSON.parse((await cli(['--tenant', tenant, '--json', '--dry-run'])).stdout)).toMatchObject({ dryRun: true, examined: 1 });
    const bad = await cli(['--batch', '0']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--batch must be a whole number from 1 to 10000');
  });
});
