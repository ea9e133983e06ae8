// Real: OllamaAdapter and the `ollama` npm client over real HTTP (fetch).
// Double: FakeOllamaServer on loopback speaking Ollama's /api/chat and /api/embed JSON (no model behind it).
import { z } from 'zod';
import {
  generateObject,
  LlmCancelledError,
  LlmProviderUnavailableError,
  LlmTimeoutError,
  LlmToolCallInvalidError,
  OllamaAdapter,
  type LlmCallContext,
} from '@switchboard/llm';
import { FakeOllamaServer } from '@switchboard/llm/testing';

const ctx: LlmCallContext = { caseId: 'case-2', region: 'eu-sovereign', agent: 'resolver' };
const lookupTool = { name: 'lookup_order', description: 'Find an order by id', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
const ask = { messages: [{ role: 'user' as const, content: 'Where is A-1?' }], tools: [lookupTool] };

describe('OllamaAdapter over the Ollama wire protocol', () => {
  let server: FakeOllamaServer;
  let sut: OllamaAdapter;

  beforeEach(async () => {
    server = await new FakeOllamaServer(4).start();
    sut = new OllamaAdapter({ host: server.url, models: { default: 'qwen3:8b', triage: 'qwen3:1.7b' }, embedModel: 'nomic-embed-text' });
  });
  afterEach(() => server.stop());

  it('chats with tools: sends system, tools and options, and maps tool_calls, usage and stop reason', async () => {
    server.reply({ kind: 'message', toolCalls: [{ name: 'lookup_order', arguments: { id: 'A-1' } }], promptEvalCount: 31, evalCount: 12 });

    const res = await sut.chat({ ...ask, system: 'You resolve tickets.', maxTokens: 64, temperature: 0 }, ctx);

    expect(res).toMatchObject({ stopReason: 'tool_use', provider: 'ollama', model: 'qwen3:8b', usage: { inputTokens: 31, outputTokens: 12, costUsd: 0 } });
    expect(res.toolCalls).toEqual([{ id: 'call_0', name: 'lookup_order', arguments: { id: 'A-1' } }]);
    expect(server.chatCalls()[0]).toMatchObject({
      model: 'qwen3:8b',
      stream: false,
      messages: [{ role: 'system', content: 'You resolve tickets.' }, { role: 'user', content: 'Where is A-1?' }],
      tools: [{ type: 'function', function: { name: 'lookup_order', parameters: lookupTool.inputSchema } }],
      options: { num_predict: 64, temperature: 0 },
    });
  });

  it('sends tool results back as role "tool" with the tool name, and maps done_reason "length"', async () => {
    server.reply({ kind: 'message', content: 'It shipped and', doneReason: 'length' });

    const res = await sut.chat(
      {
        ...ask,
        messages: [
          ...ask.messages,
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'lookup_order', arguments: { id: 'A-1' } }] },
          { role: 'tool', toolCallId: 'call_0', content: '{"status":"shipped"}' },
        ],
      },
      { ...ctx, agent: 'triage' },
    );

    expect(res).toMatchObject({ text: 'It shipped and', stopReason: 'max_tokens', model: 'qwen3:1.7b' });
    expect(server.chatCalls()[0]!['messages']).toEqual([
      { role: 'user', content: 'Where is A-1?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup_order', arguments: { id: 'A-1' } } }] },
      { role: 'tool', content: '{"status":"shipped"}', tool_name: 'lookup_order' },
    ]);
  });

  it('repairs malformed tool-call argument JSON (string with trailing comma and single quotes)', async () => {
    server.reply({ kind: 'message', toolCalls: [{ name: 'lookup_order', arguments: "{'id': 'A-1',}" }] });

    const res = await sut.chat(ask, ctx);

    expect(res.toolCalls).toEqual([{ id: 'call_0', name: 'lookup_order', arguments: { id: 'A-1' } }]);
  });

  it('lifts a tool call the model wrote into the text as fenced JSON', async () => {
    server.reply({ kind: 'message', content: '```json\n{"name": "lookup_order", "arguments": {"id": "A-1"}}\n```' });

    const res = await sut.chat(ask, ctx);

    expect(res).toMatchObject({ stopReason: 'tool_use', text: '', toolCalls: [{ name: 'lookup_order', arguments: { id: 'A-1' } }] });
  });

  it('gives a clean LLM.TOOL_CALL_INVALID when the arguments cannot be repaired', async () => {
    server.reply({ kind: 'message', toolCalls: [{ name: 'lookup_order', arguments: 'id = A-1 please' }] });

    const error = await sut.chat(ask, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmToolCallInvalidError);
    expect(error).toMatchObject({ code: 'LLM.TOOL_CALL_INVALID', category: 'third_party', details: { raw: 'id = A-1 please' } });
  });

  it('rejects a call to a tool that was not offered', async () => {
    server.reply({ kind: 'message', toolCalls: [{ name: 'rm_rf', arguments: {} }] });

    await expect(sut.chat(ask, ctx)).rejects.toMatchObject({ code: 'LLM.TOOL_CALL_INVALID' });
  });

  it('retries once when the server itself fails to parse the model tool call (HTTP 500), then succeeds', async () => {
    server.reply({ kind: 'toolCallParseError', raw: '{"id": "A-1"' }, { kind: 'message', toolCalls: [{ name: 'lookup_order', arguments: { id: 'A-1' } }] });

    const res = await sut.chat(ask, ctx);

    expect(res.toolCalls).toHaveLength(1);
    expect(server.chatCalls()).toHaveLength(2);
  });

  it('turns a persistent server-side tool-call parse failure into LLM.TOOL_CALL_INVALID with the raw output', async () => {
    server.reply({ kind: 'toolCallParseError', raw: '{"id": "A-1"' }, { kind: 'toolCallParseError', raw: '{"id": "A-1"' });

    const error = await sut.chat(ask, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmToolCallInvalidError);
    expect((error as LlmToolCallInvalidError).details!['raw']).toContain(`raw='{"id": "A-1"'`);
    expect((error as Error).cause).toMatchObject({ status_code: 500 });
  });

  it('passes responseSchema as format and repairs a wrong answer through generateObject', async () => {
    server.reply({ kind: 'message', content: '{"intent": "refund"}' }, { kind: 'message', content: '{"intent": "billing", "priority": 2}' });
    const Triage = z.object({ intent: z.enum(['billing', 'bug']), priority: z.number().int() });

    const { value, attempts, usage } = await generateObject(sut, { messages: [{ role: 'user', content: 'charged twice' }] }, Triage, ctx);

    expect(value).toEqual({ intent: 'billing', priority: 2 });
    expect(attempts).toBe(2);
    expect(usage.inputTokens).toBe(40);
    const [first, second] = server.chatCalls();
    expect(first!['format']).toMatchObject({ type: 'object', properties: { intent: { enum: ['billing', 'bug'] } } });
    const repairPrompt = (second!['messages'] as Array<{ content: string }>).at(-1)!.content;
    expect(repairPrompt).toContain('intent');
    expect(repairPrompt).toContain('priority');
  });

  it('maps a missing model (404) to LLM.PROVIDER_UNAVAILABLE and a refused connection likewise', async () => {
    server.reply({ kind: 'error', status: 404, error: 'model "qwen3:8b" not found, try pulling it first' });
    await expect(sut.chat(ask, ctx)).rejects.toBeInstanceOf(LlmProviderUnavailableError);

    const down = new OllamaAdapter({ host: 'http://127.0.0.1:9', models: { default: 'x' } });
    await expect(down.chat(ask, ctx)).rejects.toMatchObject({ code: 'LLM.PROVIDER_UNAVAILABLE' });
  });

  it('times out a slow server and cancels on the caller signal', async () => {
    server.reply({ kind: 'slow', ms: 3_000, then: { kind: 'message', content: 'late' } }, { kind: 'slow', ms: 3_000, then: { kind: 'message', content: 'late' } });
    await expect(sut.chat(ask, ctx, { timeoutMs: 150 })).rejects.toBeInstanceOf(LlmTimeoutError);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(sut.chat(ask, ctx, { signal: controller.signal })).rejects.toBeInstanceOf(LlmCancelledError);
  });

  it('embeds a batch through /api/embed', async () => {
    const res = await sut.embed(['first text', 'second'], ctx);

    expect(res.vectors).toEqual([server.vectorFor('first text'), server.vectorFor('second')]);
    expect(res).toMatchObject({ model: 'nomic-embed-text', usage: { inputTokens: 3 } });
    expect(server.requests.at(-1)!.body).toEqual({ model: 'nomic-embed-text', input: ['first text', 'second'], truncate: true });
  });
});
