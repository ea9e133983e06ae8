import { PolicySchema } from '../policy/policy.schema';
import { decisionVerdicts, policyVersion, traceVerdicts } from './case-verdicts';
import type { CaseState, TraceEntry } from './case.types';

const policy = (over: Record<string, unknown> = {}) => PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 1000, factor: 2 }, ...over });

describe('control verdicts of a decision (the ledger rows apply_transition appends)', () => {
  it('reads breakers, reported breakers, mode violations, triage screens and the verifier from the trace', () => {
    const entries: TraceEntry[] = [
      { kind: 'breaker', data: { breaker: 'max_cost', reason: 'cost $0.60 > $0.50' } },
      { kind: 'event', data: { event: 'breaker_reported', breaker: 'max_tokens', reason: 'tokens 9000 > 8000' } },
      { kind: 'event', data: { event: 'policy_violation', why: 'write in assist', tools: ['unlock_account'] } },
      { kind: 'result', agent: 'triage', taskId: 't1', data: { triage: { injectionRisk: 'high', pii: { found: true, kinds: ['email'] } } } },
      { kind: 'result', agent: 'verifier', taskId: 't2', data: { verifier: { verified: false, evidence: [{ tool: 'get_account', passed: false }], unsupportedClaims: [{}] } } },
      { kind: 'dispatch', agent: 'resolver', taskId: 't3', data: { attempt: 0 } },
    ];
    expect(entries.flatMap((t) => traceVerdicts(t)).map((v) => [v.source, v.control, v.rule, v.verdict, v.detail ?? null])).toEqual([
      ['supervisor', 'breaker', 'max_cost', 'escalated', 'cost $0.60 > $0.50'],
      ['supervisor', 'breaker', 'max_tokens', 'reported', 'tokens 9000 > 8000'],
      ['supervisor', 'rollout_mode', 'write_outside_mode', 'flagged', 'write in assist (unlock_account)'],
      ['triage', 'injection_screen', 'injection_risk_high', 'autonomy_capped', null],
      ['triage', 'redaction', 'pii', 'redacted', 'email'],
      ['verifier', 'read_back', 'verification', 'failed', 'read-back failed: get_account; 1 unsupported claim(s)'],
    ]);
  });

  it('versions each verdict by the policy, and a verification of a procedure run by the procedure', () => {
    const trace: TraceEntry[] = [
      { kind: 'breaker', data: { breaker: 'unverified' } },
      { kind: 'result', agent: 'verifier', taskId: 't2', data: { verifier: { verified: true } } },
    ];
    const withProcedure = { resolution: { procedure: { id: 'account-unlock', version: 3 } } } as unknown as CaseState;
    expect(decisionVerdicts({ trace, state: withProcedure }, 'policy:abc').map((v) => v.ruleVersion)).toEqual(['policy:abc', 'procedure:account-unlock@3']);
    expect(decisionVerdicts({ trace, state: {} as CaseState }, 'policy:abc').map((v) => v.ruleVersion)).toEqual(['policy:abc', 'policy:abc']);
  });

  it('reads an agent\'s LLM call refused by its region router as a region verdict, versioned by the region rules it reported', () => {
    const refused = (details?: Record<string, unknown>): TraceEntry => ({
      kind: 'result', agent: 'resolver', taskId: 't4',
      data: { status: 'failed', attempt: 0, error: { code: 'LLM.REGION_FORBIDDEN', category: 'user', message: 'region "eu-sovereign": provider "bedrock-us" is not allowed (allowed: local)', ...(details ? { details } : {}) } },
    });
    const other: TraceEntry = { kind: 'result', agent: 'resolver', taskId: 't5', data: { status: 'failed', error: { code: 'LLM.PROVIDER_UNAVAILABLE', category: 'third_party', message: 'down' } } };
    const rows = decisionVerdicts({ trace: [refused({ ruleVersion: 'llm-regions:0123456789ab' }), refused(), refused({ ruleVersion: 'made up' }), other], state: {} as CaseState }, 'policy:abc');
    expect(rows.map((v) => [v.source, v.control, v.rule, v.verdict, v.agent, v.ruleVersion])).toEqual([
      ['llm', 'region', 'region_providers', 'refused', 'resolver', 'llm-regions:0123456789ab'],
      ['llm', 'region', 'region_providers', 'refused', 'resolver', 'llm-regions:unknown'],
      ['llm', 'region', 'region_providers', 'refused', 'resolver', 'llm-regions:unknown'],
    ]);
    expect(rows[0]!.detail).toContain('bedrock-us');
    expect(rows[0]).not.toHaveProperty('reportedVersion');
  });

  it('reads the intake screen (registry region, redacted credentials) as intake verdicts with the versions admission reported', () => {
    const trace: TraceEntry[] = [{ kind: 'event', data: {
      event: 'intake_screen',
      region: { claimed: 'us-east-1', placed: 'eu-sovereign', ruleVersion: 'tenant-registry:0123456789ab' },
      redacted: { count: 2, kinds: ['api_key', 'password'], ruleVersion: 'credential-detectors:ba9876543210' },
    } }];
    expect(decisionVerdicts({ trace, state: {} as CaseState }, 'policy:abc').map((v) => [v.source, v.control, v.rule, v.verdict, v.ruleVersion, v.detail])).toEqual([
      ['intake', 'tenant_registry', 'registry_region', 'corrected', 'tenant-registry:0123456789ab', 'claimed us-east-1; the registry places the tenant in eu-sovereign'],
      ['intake', 'redaction', 'credentials', 'redacted', 'credential-detectors:ba9876543210', '2 credential(s): api_key, password'],
    ]);
  });

  it('gives one version per policy content: the same policy agrees, any edit changes it', () => {
    expect(policyVersion(policy())).toMatch(/^policy:[0-9a-f]{12}$/);
    expect(policyVersion(policy())).toBe(policyVersion(policy()));
    expect(policyVersion(policy({ defaultMode: 'assist' }))).not.toBe(policyVersion(policy()));
  });
});
