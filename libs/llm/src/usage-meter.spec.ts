import { UsageMeter, type UsageRecord } from './usage-meter';

const rec = (caseId: string, agent: string, costUsd: number): UsageRecord => ({
  caseId, agent, region: 'us-east-1', provider: 'bedrock', model: 'm', kind: 'chat', usage: { inputTokens: 100, outputTokens: 10, costUsd }, latencyMs: 5, at: '2026-01-01T00:00:00Z',
});

describe('UsageMeter', () => {
  it('keeps per-case, per-case-agent and per-agent totals and notifies listeners', () => {
    const sut = new UsageMeter();
    const seen: UsageRecord[] = [];
    sut.onRecord((r) => seen.push(r));
    sut.onRecord(() => { throw new Error('broken listener'); });

    sut.record(rec('c1', 'triage', 0.001));
    sut.record(rec('c1', 'resolver', 0.002));
    sut.record(rec('c2', 'triage', 0.004));

    expect(sut.forCase('c1')).toEqual({ inputTokens: 200, outputTokens: 20, costUsd: 0.003, calls: 2 });
    expect(sut.forCaseAgent('c1', 'resolver')).toMatchObject({ calls: 1, costUsd: 0.002 });
    expect(sut.forAgent('triage')).toMatchObject({ calls: 2, costUsd: 0.005 });
    expect(seen).toHaveLength(3);
  });

  it('drops the least recently used case past maxCases', () => {
    const sut = new UsageMeter(2);
    sut.record(rec('c1', 'triage', 0.001));
    sut.record(rec('c2', 'triage', 0.001));
    sut.record(rec('c1', 'triage', 0.001));
    sut.record(rec('c3', 'triage', 0.001));

    expect(sut.forCase('c2').calls).toBe(0);
    expect(sut.forCase('c1').calls).toBe(2);
    expect(sut.forAgent('triage').calls).toBe(4);
  });
});
