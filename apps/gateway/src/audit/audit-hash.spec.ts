import { createHash } from 'node:crypto';
import { auditHash, auditHashParts, GENESIS_HASH, payloadDigest, verifyChain, type AuditRecord } from './audit-hash';

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

  describe('version 2: the hash covers salted digests of the payloads, so they can be erased', () => {
    function chainV2(n: number, start: Array<AuditRecord & { prevHash: string; hash: string }> = []): Array<AuditRecord & { prevHash: string; hash: string }> {
      const rows = [...start];
      let prev = rows.at(-1)?.hash ?? GENESIS_HASH;
      const first = rows.length + 1;
      for (let i = first; i < first + n; i++) {
        const args = { tenantId: 'globex', email: `person${i}@globex.example` };
        const result = { unlocked: true, email: `person${i}@globex.example` };
        const salt = `salt-${i}`;
        const record: AuditRecord = {
          id: String(i), at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), caseId: 'case_1', taskId: 't', tenantId: 'globex', agent: 'resolver',
          tool: 'unlock_account', toolCallId: `c${i}`, arguments: args, decision: 'allowed', outcome: 'ok', errorCode: null, result, latencyMs: 3,
          approvalId: null, idempotencyKey: `k${i}`, hashVersion: 2, salt, argumentsDigest: payloadDigest(salt, args), resultDigest: payloadDigest(salt, result),
        };
        const hash = auditHash(prev, record);
        rows.push({ ...record, prevHash: prev, hash });
        prev = hash;
      }
      return rows;
    }
    const erase = (row: AuditRecord & { prevHash: string; hash: string }) => ({ ...row, arguments: null, result: null, salt: null, erasedAt: '2026-01-01T00:00:00.000Z' });

    it('verifies a chain that mixes version-1 and version-2 rows, before and after erasing payloads', () => {
      const rows = chainV2(3, chain(2));
      expect(verifyChain(rows)).toMatchObject({ ok: true, count: 5 });
      rows[3] = erase(rows[3]!);
      expect(verifyChain(rows)).toMatchObject({ ok: true, count: 5 });
    });

    it('detects a modified payload of a row that was not erased', () => {
      const rows = chainV2(3);
      rows[1] = { ...rows[1]!, result: { unlocked: false } };
      expect(verifyChain(rows)).toMatchObject({ ok: false, brokenId: '2', reason: expect.stringContaining('modified') });
    });

    it('detects a changed field of an erased row, a replaced digest and a row downgraded to version 1', () => {
      const erased = chainV2(3).map(erase);
      expect(verifyChain(erased).ok).toBe(true);
      expect(verifyChain(erased.map((r, i) => (i === 1 ? { ...r, decision: 'denied' } : r)))).toMatchObject({ ok: false, brokenId: '2' });
      expect(verifyChain(erased.map((r, i) => (i === 1 ? { ...r, resultDigest: payloadDigest('x', { unlocked: false }) } : r)))).toMatchObject({ ok: false, brokenId: '2' });
      const { hashVersion: _v, ...downgraded } = chainV2(2)[1]!;
      expect(verifyChain([chainV2(2)[0]!, downgraded])).toMatchObject({ ok: false, brokenId: '2', reason: expect.stringContaining('modified') });
    });
  });

  describe('version 3: as version 2, and the hash covers the rule version', () => {
    function chainV3(n: number, start: Array<AuditRecord & { prevHash: string; hash: string }> = []): Array<AuditRecord & { prevHash: string; hash: string }> {
      const rows = [...start];
      let prev = rows.at(-1)?.hash ?? GENESIS_HASH;
      const first = rows.length + 1;
      for (let i = first; i < first + n; i++) {
        const args = { tenantId: 'globex', invoiceId: 'inv_1', amount: 150 };
        const result = { approvalId: `ap_${i}`, reason: 'above 100' };
        const salt = `salt-${i}`;
        const record: AuditRecord = {
          id: String(i), at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), caseId: 'case_1', taskId: 't', tenantId: 'globex', agent: 'resolver',
          tool: 'issue_refund', toolCallId: `c${i}`, arguments: args, decision: 'held', outcome: 'held', errorCode: null, result, latencyMs: 3,
          approvalId: `ap_${i}`, idempotencyKey: `k${i}`, hashVersion: 3, salt, argumentsDigest: payloadDigest(salt, args), resultDigest: payloadDigest(salt, result),
          ruleVersion: 'tool:issue_refund@0123456789ab',
        };
        const hash = auditHash(prev, record);
        rows.push({ ...record, prevHash: prev, hash });
        prev = hash;
      }
      return rows;
    }

    it('verifies a chain of version-1 rows followed by version-3 rows, erased or not', () => {
      const rows = chainV3(3, chain(2));
      expect(verifyChain(rows)).toMatchObject({ ok: true, count: 5 });
      rows[2] = { ...rows[2]!, arguments: null, result: null, salt: null, erasedAt: '2026-02-01T00:00:00.000Z' };
      expect(verifyChain(rows)).toMatchObject({ ok: true, count: 5 });
    });

    it('detects a rewritten rule version (a verdict claimed for another version of the rule) and a removed one', () => {
      const rows = chainV3(3);
      expect(verifyChain(rows.map((r, i) => (i === 1 ? { ...r, ruleVersion: 'tool:issue_refund@ffffffffffff' } : r)))).toMatchObject({ ok: false, brokenId: '2' });
      expect(verifyChain(rows.map((r, i) => (i === 1 ? { ...r, ruleVersion: null } : r)))).toMatchObject({ ok: false, brokenId: '2' });
    });
  });

  it('splits the hashed JSON around the id, so a writer that learns the id last computes the same hash', () => {
    const salt = 'ab'.repeat(16);
    const base: Omit<AuditRecord, 'id'> = {
      at: '2026-12-06T09:00:00.000Z', caseId: 'case_ü', taskId: 'tsk', tenantId: 'zürich-bank', agent: 'resolver', tool: 'get_tenant',
      toolCallId: 'c"1\\', arguments: { email: 'a@b.example', note: 'id "audit-row-id:x"' }, decision: 'allowed', outcome: 'ok', errorCode: null,
      result: { id: 7 }, latencyMs: 4, approvalId: null, idempotencyKey: 'k', hashVersion: 3, ruleVersion: 'tool:get_tenant@0123456789ab', salt,
      argumentsDigest: payloadDigest(salt, { email: 'a@b.example' }), resultDigest: payloadDigest(salt, { id: 7 }),
    };
    for (const record of [base, { ...base, hashVersion: undefined, errorCode: 'RATE_LIMITED', tenantId: '日本' }]) {
      const { before, after } = auditHashParts(record);
      for (const id of ['1', '42', '9007199254740993']) {
        const joined = createHash('sha256').update(GENESIS_HASH).update('\n').update(`${before}${JSON.stringify(id)}${after}`).digest('hex');
        expect(joined).toBe(auditHash(GENESIS_HASH, { ...record, id }));
      }
    }
  });
});
