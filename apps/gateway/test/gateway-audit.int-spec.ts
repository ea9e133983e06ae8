// Real: gateway and acme Nest apps over HTTP on ephemeral ports, Postgres switchboard_test + acme_test. Doubles: none.
import { runVerifyAudit } from '../src/cli/verify-audit';
import { newCaseId, startStack, withAuditRefused, type Stack } from './gateway-harness';

jest.setTimeout(60_000);

describe('gateway audit log: every call, append-only, hash-chained', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('records every call (who, case, tool, arguments, outcome, latency, decision), refusals included', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId, tenantId: 'globex' });
    await s.invoke('get_tenant', { toolCallId: 'a', step: 1, arguments: { tenantId: 'globex' } }, token);
    await s.invoke('get_tenant', { toolCallId: 'b', step: 2, arguments: { tenantId: 'acme-eu' } }, token);
    await s.invoke('issue_refund', { toolCallId: 'c', step: 3, arguments: { tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 500, reason: 'too much' } }, token);
    await s.invoke('unlock_account', { toolCallId: 'd', step: 4, arguments: { tenantId: 'globex', email: 'hank@globex.example' } }, token);
    await s.invoke('unlock_account', { toolCallId: 'd', step: 4, arguments: { tenantId: 'globex', email: 'hank@globex.example' } }, token);
    const { rows } = await s.db.query(
      'SELECT agent, tool, tool_call_id, decision, outcome, error_code, arguments, latency_ms, approval_id, idempotency_key FROM gateway.audit_log WHERE case_id = $1 ORDER BY id',
      [caseId],
    );
    expect(rows.map((r) => [r.tool, r.decision, r.outcome, r.error_code])).toEqual([
      ['get_tenant', 'allowed', 'ok', null],
      ['get_tenant', 'denied', 'error', 'TENANT_MISMATCH'],
      ['issue_refund', 'held', 'held', null],
      ['unlock_account', 'allowed', 'ok', null],
      ['unlock_account', 'replayed', 'ok', null],
    ]);
    expect(rows[0]).toMatchObject({ agent: 'resolver', tool_call_id: 'a', arguments: { tenantId: 'globex' } });
    expect(rows[2].approval_id).toMatch(/^apr_/);
    expect(rows[3].idempotency_key).toBe(rows[4].idempotency_key);
    expect(rows.every((r) => Number.isInteger(r.latency_ms) && r.latency_ms >= 0)).toBe(true);
  });

  it('stores hostile argument strings (NUL bytes) without breaking the audit', async () => {
    const caseId = newCaseId();
    const res = await s.invoke('get_user', { toolCallId: 'n', step: 1, arguments: { tenantId: 'globex', email: 'a\u0000@b.co' } }, await s.token({ caseId }));
    expect(res.body.error.code).toBe('ARGUMENTS_INVALID');
    const { rows } = await s.db.query('SELECT arguments FROM gateway.audit_log WHERE case_id = $1', [caseId]);
    expect(rows[0].arguments.email).toBe('a\uFFFD@b.co');
    expect(await runVerifyAudit(s.db, () => undefined)).toBe(0);
  });

  it('audits a call whose tool call id carries a NUL byte (the read is not served unaudited)', async () => {
    const caseId = newCaseId();
    const res = await s.invoke('get_tenant', { toolCallId: 'n\u0000x', step: 1, arguments: { tenantId: 'globex' } }, await s.token({ caseId }));
    expect(res.body.status).toBe('ok');
    const { rows } = await s.db.query('SELECT tool_call_id, decision FROM gateway.audit_log WHERE case_id = $1', [caseId]);
    expect(rows).toEqual([{ tool_call_id: 'n\uFFFDx', decision: 'allowed' }]);
    expect(await runVerifyAudit(s.db, () => undefined)).toBe(0);
  });

  it('withholds a read\'s result when its audit row cannot be written', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    const res = await withAuditRefused(s.db, caseId, undefined, () => s.invoke('get_tenant', { toolCallId: 'r', step: 1, arguments: { tenantId: 'globex' } }, token));
    expect(res.body).toMatchObject({ status: 'error', error: { code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('audit log') } });
    expect(JSON.stringify(res.body)).not.toContain('Globex');
    expect((await s.db.query('SELECT 1 FROM gateway.audit_log WHERE case_id = $1', [caseId])).rows).toEqual([]);
  });

  it('refuses UPDATE and DELETE on the audit table', async () => {
    await expect(s.db.query(`UPDATE gateway.audit_log SET outcome = 'ok' WHERE id = (SELECT max(id) FROM gateway.audit_log)`)).rejects.toThrow(/append-only/);
    await expect(s.db.query('DELETE FROM gateway.audit_log WHERE id = (SELECT max(id) FROM gateway.audit_log)')).rejects.toThrow(/append-only/);
    await expect(s.db.query('TRUNCATE gateway.audit_log')).rejects.toThrow(/append-only/);
  });

  it('concurrent calls, reads and writes of several cases, each chain onto the row before them', async () => {
    const calls = await Promise.all(Array.from({ length: 24 }, async (_, i) => {
      const caseId = newCaseId();
      const token = await s.token({ caseId, tenantId: 'globex' });
      const [tool, args] = i % 3 === 0 ? ['reset_tenant_cache', { tenantId: 'globex' }] : ['get_tenant', { tenantId: 'globex' }];
      const res = await s.invoke(tool as string, { toolCallId: `c${i}`, step: 1, arguments: args }, token);
      return { caseId, status: res.body.status as string, error: res.body.error as unknown };
    }));
    expect(calls.filter((c) => c.status !== 'ok')).toEqual([]);
    // Ordered by the bigint id (node-postgres returns it as a string); ordering a text alias would put 100 before 99.
    const { rows } = await s.db.query<{ id: string; prev_hash: string; hash: string }>(
      'SELECT id, prev_hash, hash FROM gateway.audit_log WHERE id >= (SELECT min(id) FROM gateway.audit_log WHERE case_id = ANY($1)) ORDER BY id',
      [calls.map((c) => c.caseId)],
    );
    expect(rows.length).toBeGreaterThanOrEqual(24);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(await runVerifyAudit(s.db, () => undefined)).toBe(0);
  });

  it('the chain verifies, and a tampered row is detected by the verification command', async () => {
    const caseId = newCaseId();
    await s.invoke('get_cache_status', { toolCallId: 'x', step: 1, arguments: { tenantId: 'globex' } }, await s.token({ caseId }));
    const lines: string[] = [];
    expect(await runVerifyAudit(s.db, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(/^OK \d+ audit rows/);

    const { rows } = await s.db.query<{ id: string; result: unknown }>('SELECT id::text AS id, result FROM gateway.audit_log WHERE case_id = $1', [caseId]);
    const target = rows[0]!;
    // Tampering needs the trigger out of the way (as an attacker with owner rights would do); put everything back after.
    const client = await s.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE gateway.audit_log DISABLE TRIGGER audit_log_no_update');
      await client.query(`UPDATE gateway.audit_log SET result = '{"tenantId":"globex","status":"stale"}' WHERE id = $1`, [target.id]);
      await client.query('ALTER TABLE gateway.audit_log ENABLE TRIGGER audit_log_no_update');
      const tampered: string[] = [];
      expect(await runVerifyAudit(client, (l) => tampered.push(l))).toBe(1);
      expect(tampered[0]).toBe(`TAMPERED at row ${target.id}: row content does not match its hash (row modified) (${tampered[0]!.match(/\((\d+) rows verified/)![1]} rows verified before it)`);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect(await runVerifyAudit(s.db, () => undefined)).toBe(0);
  });

  it('a deleted row breaks the chain at the row after it', async () => {
    const caseId = newCaseId();
    const token = await s.token({ caseId });
    for (let i = 0; i < 3; i++) await s.invoke('get_tenant', { toolCallId: `q${i}`, step: i, arguments: { tenantId: 'globex' } }, token);
    const { rows } = await s.db.query<{ id: string }>('SELECT id::text AS id FROM gateway.audit_log WHERE case_id = $1 ORDER BY id', [caseId]);
    const client = await s.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE gateway.audit_log DISABLE TRIGGER audit_log_no_update');
      await client.query('DELETE FROM gateway.audit_log WHERE id = $1', [rows[1]!.id]);
      const out: string[] = [];
      expect(await runVerifyAudit(client, (l) => out.push(l))).toBe(1);
      expect(out[0]).toContain(`TAMPERED at row ${rows[2]!.id}: prev_hash does not match`);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
