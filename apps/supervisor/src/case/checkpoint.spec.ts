import { applyDelta, diffCore } from './checkpoint';

const counters = { stale: 0, tokens: 0, costUsd: 0, replans: 0, failures: 0, llmCalls: 0, timeouts: 0, duplicates: 0, iterations: 1, toolErrors: 0 };
const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

describe('checkpoint deltas', () => {
  it('writes a changed object as the members that changed, and folds back to the new value', () => {
    const prev = { status: 'RECEIVED', counters, outstanding: { agent: 'triage', attempt: 1, taskId: 't1' } };
    const next = { status: 'TRIAGED', counters: { ...counters, tokens: 20, llmCalls: 1, iterations: 2 }, outstanding: { agent: 'retrieval', attempt: 1, taskId: 't2' } };
    const delta = roundTrip(diffCore(prev, next));
    expect(delta.counters).toEqual({ $set: { tokens: 20, llmCalls: 1, iterations: 2 } });
    expect(delta.outstanding).toEqual({ $set: { agent: 'retrieval', taskId: 't2' } });
    expect(delta).not.toHaveProperty('status', 'RECEIVED');
    expect(applyDelta(prev, delta)).toEqual(next);
  });

  it('removes members with $unset, and a removed key with null', () => {
    const draftReply = 'Hello,\n\nhere is how to do it, from our guide.';
    const prev = { resolution: { summary: 's', escalationReason: 'r', draftReply }, outstanding: { agent: 'verifier' } };
    const next = { resolution: { summary: 's', draftReply } };
    const delta = roundTrip(diffCore(prev, next));
    expect(delta.resolution).toEqual({ $unset: ['escalationReason'] });
    expect(delta.outstanding).toBeNull();
    expect(applyDelta(prev, delta)).toEqual(next);
  });

  it('writes the whole object when the edit would not be shorter, or says nothing (members reordered)', () => {
    const prev = { outstanding: { a: 1 }, policy: { x: 1, y: 2 } };
    const next = { outstanding: { b: 2 }, policy: { y: 2, x: 1 } };
    const delta = roundTrip(diffCore(prev, next));
    expect(delta.outstanding).toEqual({ b: 2 });
    expect(delta.policy).toEqual({ y: 2, x: 1 });
    expect(applyDelta(prev, delta)).toEqual(next);
  });

  it('folds any sequence of cores back to the last one', () => {
    let seed = 7;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const value = (): unknown => [0, 'x', null, { k: rand(3) }, [rand(2)], true][rand(6)];
    const core = (): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const key of ['status', 'counters', 'outstanding', 'findings']) {
        if (rand(5) === 0) continue;
        if (key === 'counters' || key === 'outstanding') {
          const obj: Record<string, unknown> = {};
          for (const m of ['a', 'b', 'c', 'd']) if (rand(3) > 0) obj[m] = value();
          out[key] = obj;
        } else if (key === 'findings') out[key] = Array.from({ length: rand(4) }, () => rand(3));
        else out[key] = value() ?? 'absent'; // a top-level null is written as: remove the key
      }
      return out;
    };
    let prev: Record<string, unknown> = {};
    let rebuilt: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) {
      const next = roundTrip(core());
      rebuilt = applyDelta(rebuilt, roundTrip(diffCore(prev, next)));
      expect(rebuilt).toEqual(next);
      prev = next;
    }
  });
});
