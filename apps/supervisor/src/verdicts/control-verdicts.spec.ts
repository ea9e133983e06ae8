import { verdictsFromGateway, verdictsFromRecords, type TraceRow } from './control-verdicts';

const row = (id: string, kind: string, agent: string | null, data: Record<string, unknown>): TraceRow => ({ id, kind, agent, taskId: agent ? `task_${id}` : null, data, at: `2026-12-04T10:00:0${id}.000Z` });

describe('verdictsFromRecords', () => {
  it('reads breakers, mode violations, triage screens, read-backs and approval decisions from what the case records', () => {
    const sut = verdictsFromRecords([
      row('1', 'result', 'triage', { triage: { injectionRisk: 'high', pii: { found: true, kinds: ['email', 'iban'] } } }),
      row('2', 'dispatch', 'retrieval', { reason: 'gather context' }),
      row('3', 'event', null, { event: 'policy_violation', why: 'a write ran in shadow mode', tools: ['flush_cache'] }),
      row('4', 'result', 'verifier', { verifier: { verified: false, evidence: [{ tool: 'get_cache_status', passed: false }, { tool: 'get_flags', passed: true }], unsupportedClaims: ['x'] } }),
      row('5', 'breaker', null, { breaker: 'unverified', reason: 'the verifier could not confirm the fix' }),
    ], [{ id: '9', command: 'approve', actorId: 'ana', arguments: { tool: 'issue_refund' }, at: '2026-12-04T10:00:06.000Z' }, { id: '10', command: 'claim', actorId: 'ana', arguments: {}, at: 'x' }]);
    expect(sut.map((v) => [v.source, v.control, v.rule, v.verdict, v.detail ?? ''])).toEqual([
      ['triage', 'injection_screen', 'injection_risk_high', 'autonomy_capped', ''],
      ['triage', 'redaction', 'pii', 'redacted', 'email, iban'],
      ['supervisor', 'rollout_mode', 'write_outside_mode', 'flagged', 'a write ran in shadow mode (flush_cache)'],
      ['verifier', 'read_back', 'verification', 'failed', 'read-back failed: get_cache_status; 1 unsupported claim(s)'],
      ['supervisor', 'breaker', 'unverified', 'escalated', 'the verifier could not confirm the fix'],
      ['console', 'approval', 'issue_refund', 'approved', 'by ana'],
    ]);
    expect(sut[0]).toMatchObject({ agent: 'triage', taskId: 'task_1', ref: { trace: '1' } });
    expect(sut[5]!.ref).toEqual({ decision: '9' });
  });

  it('a report-only breaker that tripped is a reported verdict, not an escalation', () => {
    const sut = verdictsFromRecords([row('1', 'event', null, { event: 'breaker_reported', breaker: 'max_cost', reason: 'cost budget spent: $0.6000 (limit $0.5)' })], []);
    expect(sut.map((v) => [v.source, v.control, v.rule, v.verdict, v.detail])).toEqual([['supervisor', 'breaker', 'max_cost', 'reported', 'cost budget spent: $0.6000 (limit $0.5)']]);
  });

  it('a clean triage result and a passed read-back: only the read-back, as passed', () => {
    const sut = verdictsFromRecords([row('1', 'result', 'triage', { triage: { injectionRisk: 'none', pii: { found: false } } }), row('2', 'result', 'verifier', { verifier: { verified: true, evidence: [] } })], []);
    expect(sut.map((v) => v.verdict)).toEqual(['passed']);
  });
});

describe('verdictsFromGateway', () => {
  it('names the control from the gateway rule, or from the decision when no rule decided', () => {
    const v = (decision: string, rule: string | null) => ({ auditId: '1', caseId: 'case_1', tenantId: 'globex', at: 'now', agent: 'resolver', taskId: 't', tool: 'issue_refund', decision, rule, approvalId: null, ruleVersion: null as string | null });
    expect(verdictsFromGateway([v('denied', 'TOOL_NOT_IN_SCOPE'), v('denied', 'TOKEN_EXPIRED'), v('throttled', 'RATE_LIMITED'), v('held', null), v('replayed', null), v('allowed', 'BACKEND_UNAUTHORIZED'), v('denied', 'SOMETHING_NEW')])
      .map((x) => [x.control, x.rule, x.verdict])).toEqual([
      ['scope', 'TOOL_NOT_IN_SCOPE', 'denied'], ['task_token', 'TOKEN_EXPIRED', 'denied'], ['rate_limit', 'RATE_LIMITED', 'throttled'],
      ['approval', 'held', 'held'], ['write_ledger', 'replayed', 'replayed'], ['backend', 'BACKEND_UNAUTHORIZED', 'allowed'], ['gateway', 'SOMETHING_NEW', 'denied'],
    ]);
  });

  it('keeps the rule version the gateway recorded with the row, and null where it recorded none', () => {
    const v = { auditId: '1', caseId: 'case_1', tenantId: 'globex', at: 'now', agent: 'resolver', taskId: 't', tool: 'issue_refund', decision: 'held', rule: null, approvalId: 'ap_1' };
    expect(verdictsFromGateway([{ ...v, ruleVersion: 'tool:issue_refund@0123456789ab' }, { ...v, ruleVersion: null }]).map((x) => x.ruleVersion))
      .toEqual(['tool:issue_refund@0123456789ab', null]);
  });
});
