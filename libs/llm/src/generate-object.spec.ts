import { z } from 'zod';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { generateObject } from './generate-object';
import { LlmOutputInvalidError, LlmThrottledError } from './llm.errors';

const ctx = { caseId: 'c1', region: 'eu-sovereign', agent: 'triage' };
const Triage = z.object({ intent: z.enum(['billing', 'bug']), priority: z.number().int().min(1).max(4) });
const req = { system: 'Classify.', messages: [{ role: 'user' as const, content: 'charged twice' }] };

describe('generateObject', () => {
  it('returns the validated value on the first good answer, with the JSON Schema sent as responseSchema', async () => {
    const llm = new ScriptedLlm({ triage: [{ json: { intent: 'billing', priority: 2 } }] });

    const result = await generateObject(llm, req, Triage, ctx);

    expect(result).toMatchObject({ value: { intent: 'billing', priority: 2 }, attempts: 1 });
    expect(llm.chatCallsOf('triage')[0]!.responseSchema).toMatchObject({ type: 'object', properties: { priority: { type: 'integer', minimum: 1, maximum: 4 } } });
    llm.assertDone();
  });

  it('tells the model what was wrong and sums usage over the repair attempts', async () => {
    const llm = new ScriptedLlm({
      triage: [
        { text: 'Sure! {"intent": "billing", "priority": 9}', usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 } },
        { text: '```json\n{"intent": "billing", "priority": 3,}\n```', usage: { inputTokens: 30, outputTokens: 5, costUsd: 0.002 } },
      ],
    });

    const result = await generateObject(llm, req, Triage, ctx);

    expect(result.value).toEqual({ intent: 'billing', priority: 3 });
    expect(result.attempts).toBe(2);
    expect(result.usage).toEqual({ inputTokens: 40, outputTokens: 10, costUsd: 0.003 });
    const repair = llm.chatCallsOf('triage')[1]!.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: 'Sure! {"intent": "billing", "priority": 9}' });
    expect(repair.at(-1)!.content).toContain('priority: Too big');
  });

  it('throws LLM.OUTPUT_INVALID after maxRepairs, carrying the issues and the last output', async () => {
    const llm = new ScriptedLlm({ triage: [{ text: 'no idea' }, { text: '{"intent": "other"}' }] });

    const error = await generateObject(llm, req, Triage, ctx, { maxRepairs: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmOutputInvalidError);
    expect(error).toMatchObject({ code: 'LLM.OUTPUT_INVALID', category: 'third_party', details: { attempts: 2, lastOutput: '{"intent": "other"}' } });
    expect((error as LlmOutputInvalidError).details!['issues']).toEqual(expect.arrayContaining([expect.stringContaining('intent'), expect.stringContaining('priority')]));
    llm.assertDone();
  });

  it('lets provider errors through without spending repairs', async () => {
    const llm = new ScriptedLlm({ triage: [new LlmThrottledError('bedrock')] });

    await expect(generateObject(llm, req, Triage, ctx)).rejects.toBeInstanceOf(LlmThrottledError);
    expect(llm.calls).toHaveLength(1);
  });
});
