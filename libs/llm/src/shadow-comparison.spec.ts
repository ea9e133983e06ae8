import { compareShadow } from './shadow-comparison';
import type { ShadowRecord } from './region-router';

const answer = (text: string, toolCalls: Array<{ id: string; name: string; arguments: Record<string, unknown> }> = []) =>
  ({ provider: 'p', model: 'm', text, toolCalls, stopReason: 'end_turn' as const, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, latencyMs: 1 });
const pair = (primary: ReturnType<typeof answer>, shadow: ReturnType<typeof answer> | { provider: string; error: { code: string; message: string } }): ShadowRecord =>
  ({ caseId: 'c', agent: 'triage', region: 'us-east-1', request: { messages: [] }, primary, shadow }) as ShadowRecord;

describe('compareShadow', () => {
  it('compares decisions and ignores prose: summaries and long strings may differ', () => {
    const a = answer('{"intent":"refund","priority":"high","summary":"wants money back"}');
    const b = answer('```json\n{"intent": "refund", "priority": "high", "summary": "refund of a duplicate charge"}\n```');
    expect(compareShadow(pair(a, b))).toEqual({ outcome: 'agree', intent: 'refund', differs: [] });
  });

  it('names the decision fields that differ, keyed by the primary\'s intent', () => {
    const a = answer('{"intent":"refund","priority":"high","injectionSuspected":false}');
    const b = answer('{"intent":"other","priority":"high","injectionSuspected":true}');
    expect(compareShadow(pair(a, b))).toEqual({ outcome: 'disagree', intent: 'refund', differs: ['injectionSuspected', 'intent'] });
  });

  it('compares tool calls by name and arguments, and plain text exactly', () => {
    const call = (amount: number) => [{ id: 'x', name: 'issue_refund', arguments: { amount } }];
    expect(compareShadow(pair(answer('', call(40)), answer('', call(40)))).outcome).toBe('agree');
    expect(compareShadow(pair(answer('', call(40)), answer('', call(400))))).toEqual({ outcome: 'disagree', differs: ['toolCalls'] });
    expect(compareShadow(pair(answer('billing'), answer(' billing ')))).toEqual({ outcome: 'agree', differs: [] });
    expect(compareShadow(pair(answer('billing'), answer('refund'))).outcome).toBe('disagree');
  });

  it('counts a failed shadow as an error and an answer with only prose as incomparable', () => {
    expect(compareShadow(pair(answer('{}'), { provider: 'ollama', error: { code: 'TIMEOUT', message: 'slow' } })).outcome).toBe('error');
    expect(compareShadow(pair(answer('{"summary":"a"}'), answer('{"summary":"b"}'))).outcome).toBe('incomparable');
    expect(compareShadow(pair(answer(''), answer(''))).outcome).toBe('incomparable');
  });

  it('never takes a non-taxonomy-looking intent as a label (bounded cardinality)', () => {
    expect(compareShadow(pair(answer('{"intent":"Refund Please!!","priority":"high"}'), answer('{"intent":"Refund Please!!","priority":"high"}'))).intent).toBeUndefined();
  });
});
