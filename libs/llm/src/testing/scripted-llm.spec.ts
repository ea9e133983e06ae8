import { ScriptedLlm, ScriptedLlmUnexpectedCallError } from './scripted-llm';

const ctx = (agent: string) => ({ caseId: 'c1', region: 'us-east-1', agent });
const req = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('ScriptedLlm', () => {
  it('answers from a per-agent queue or function and records calls', async () => {
    const sut = new ScriptedLlm({
      triage: [{ text: 'one' }],
      resolver: (_req, _ctx, n) => ({ toolCalls: [{ id: `c${n}`, name: 'lookup', arguments: {} }] }),
    });

    expect((await sut.chat(req, ctx('triage'))).text).toBe('one');
    expect(await sut.chat(req, ctx('resolver'))).toMatchObject({ stopReason: 'tool_use', toolCalls: [{ id: 'c0' }] });
    expect(sut.calls.map((c) => c.ctx.agent)).toEqual(['triage', 'resolver']);
    sut.assertDone();
  });

  it('is strict: unknown agents, exhausted queues and leftover replies fail', async () => {
    const sut = new ScriptedLlm({ triage: [{ text: 'one' }, { text: 'two' }] });

    await expect(sut.chat(req, ctx('verifier'))).rejects.toBeInstanceOf(ScriptedLlmUnexpectedCallError);
    await sut.chat(req, ctx('triage'));
    expect(() => sut.assertDone()).toThrow(/used 1 of 2/);
    await sut.chat(req, ctx('triage'));
    await expect(sut.chat(req, ctx('triage'))).rejects.toThrow(/call #3 but only 2 were scripted/);
    await expect(sut.embed(['x'], ctx('triage'))).rejects.toBeInstanceOf(ScriptedLlmUnexpectedCallError);
  });
});
