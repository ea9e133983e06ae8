import { auditHash, GENESIS_HASH, verifyChain, type AuditRecord } from './audit-hash';

function chain(n: number): Array<AuditRecord & { prevHash: string; hash: string }> {
  const rows: Array<AuditRecord & { prevHash: string; hash: string }> = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const record: AuditRecord = {
      id: String(i), at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), caseId: 'case_1', taskId: 't', tenantId: 'globex', agent: 'resolver',
      tool: 'get_tenant', toolCallId: `c${i}`, arguments: { tenantId: 'globex' }, decision: 'allowed', outcome: 'ok', errorCode: null,
      result: { id: 'globex', n: i }, latencyMs: 3, approvalId: null, idempotencyKey: null,
    };
    const hash = auditHash(prev, record);
    rows.push({ ...record, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('verifies an intact chain', () => {
    expect(verifyChain(chain(5))).toMatchObject({ ok: true, count: 5 });
  });

  it('detects a modified row at that row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, result: { id: 'globex', n: 999 } };
    expect(verifyChain(rows)).toMatchObject({ ok: false, brokenId: '3', reason: expect.stringContaining('modified') });
  });

  it('detects a removed row at the row after it, and a re-hashed row at its successor', () => {
    const rows = chain(5);
    expect(verifyChain([rows[0]!, rows[1]!, rows[3]!, rows[4]!])).toMatchObject({ ok: false, brokenId: '4' });
    const forged = { ...rows[1]!, decision: 'denied' };
    const { prevHash: _p, hash: _h, ...record } = forged;
    forged.hash = auditHash(forged.prevHash, record);
    expect(verifyChain([rows[0]!, forged, rows[2]!])).toMatchObject({ ok: false, brokenId: '3' });
  });

  it('is insensitive to key order inside JSON columns (jsonb reorders keys)', () => {
    const rows = chain(2);
    rows[0] = { ...rows[0]!, result: { n: 1, id: 'globex' } };
    expect(verifyChain(rows).ok).toBe(true);
  });
});
