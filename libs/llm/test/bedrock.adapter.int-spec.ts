// Real: BedrockAdapter, @aws-sdk/client-bedrock-runtime (SigV4, retries, restJson1 serde) over real HTTP/1.1.
// Double: FakeConverseServer on loopback speaking the Converse wire format (no model behind it).
import { z } from 'zod';
import {
  BedrockAdapter,
  generateObject,
  LlmCancelledError,
  LlmRequestInvalidError,
  LlmThrottledError,
  LlmTimeoutError,
  LlmToolCallInvalidError,
  PriceBook,
  type ChatRequest,
  type LlmCallContext,
} from '@switchboard/llm';
import { FAKE_AWS_CREDENTIALS, FakeConverseServer } from '@switchboard/llm/testing';

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const LLAMA = 'meta.llama3-1-8b-instruct-v1:0';
const ctx: LlmCallContext = { caseId: 'case-1', region: 'us-east-1', agent: 'resolver' };
const lookupTool = { name: 'lookup_order', description: 'Find an order by id', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };

describe('BedrockAdapter over the Converse wire protocol', () => {
  let server: FakeConverseServer;
  let sut: BedrockAdapter;

  beforeEach(async () => {
    server = await new FakeConverseServer().start();
    sut = new BedrockAdapter({
      awsRegion: 'us-east-1',
      endpoint: server.url,
      credentials: FAKE_AWS_CREDENTIALS,
      models: { default: LLAMA, resolver: HAIKU },
      embedModel: 'amazon.titan-embed-text-v2:0',
      maxAttempts: 3,
      prices: new PriceBook({ [HAIKU]: { inputPerMTok: 0.8, outputPerMTok: 4, cacheReadPerMTok: 0.08, cacheWritePerMTok: 1 } }),
    });
  });
  afterEach(async () => {
    await sut.close();
    await server.stop();
  });

  it('sends a signed Converse request with the role model and maps text, stop reason, usage and cost', async () => {
    server.reply({ kind: 'message', content: [{ text: 'Hello there' }], usage: { inputTokens: 1000, outputTokens: 200 } });

    const res = await sut.chat({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], maxTokens: 50, temperature: 0.2 }, ctx);

    expect(res).toMatchObject({ text: 'Hello there', toolCalls: [], stopReason: 'end_turn', provider: 'bedrock', model: HAIKU });
    expect(res.usage).toEqual({ inputTokens: 1000, outputTokens: 200, costUsd: 0.0016 });
    const [call] = server.converseCalls();
    expect(call!.modelId).toBe(HAIKU);
    expect(call!.body).toMatchObject({ messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 50, temperature: 0.2 } });
    expect(server.requests[0]!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEFORTESTS\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  });

  it('offers gateway tools via toolConfig, returns tool calls, and sends tool results back as toolResult blocks', async () => {
    server.reply(
      { kind: 'message', content: [{ text: 'Let me look.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'lookup_order', input: { id: 'A-1' } } }], stopReason: 'tool_use' },
      { kind: 'message', content: [{ text: 'It shipped.' }], stopReason: 'end_turn' },
    );
    const req: ChatRequest = { messages: [{ role: 'user', content: 'Where is A-1?' }], tools: [lookupTool] };

    const first = await sut.chat(req, ctx);
    expect(first.stopReason).toBe('tool_use');
    expect(first.toolCalls).toEqual([{ id: 'tooluse_1', name: 'lookup_order', arguments: { id: 'A-1' } }]);

    const second = await sut.chat(
      { ...req, messages: [...req.messages, { role: 'assistant', content: first.text, toolCalls: first.toolCalls }, { role: 'tool', toolCallId: 'tooluse_1', content: '{"status":"shipped"}' }] },
      ctx,
    );
    expect(second).toMatchObject({ text: 'It shipped.', stopReason: 'end_turn' });
    const [firstCall, secondCall] = server.converseCalls();
    expect(firstCall!.body['toolConfig']).toMatchObject({ tools: [{ toolSpec: { name: 'lookup_order', inputSchema: { json: lookupTool.inputSchema } } }, { cachePoint: { type: 'default' } }] });
    expect(secondCall!.body['messages']).toEqual([
      { role: 'user', content: [{ text: 'Where is A-1?' }] },
      { role: 'assistant', content: [{ text: 'Let me look.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'lookup_order', input: { id: 'A-1' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: '{"status":"shipped"}' }] } }] },
    ]);
  });

  it('places cache points only for models that support prompt caching, and prices cached tokens', async () => {
    server.reply(
      { kind: 'message', content: [{ text: 'cached' }], usage: { inputTokens: 100, outputTokens: 10, cacheReadInputTokens: 1000 } },
      { kind: 'message', content: [{ text: 'plain' }] },
    );
    const cached = await sut.chat({ system: 'Long stable instructions', messages: [{ role: 'user', content: 'q' }] }, ctx);
    await sut.chat({ system: 'Long stable instructions', messages: [{ role: 'user', content: 'q' }] }, { ...ctx, agent: 'triage' });

    const [withCache, withoutCache] = server.converseCalls();
    expect(withCache!.body['system']).toEqual([{ text: 'Long stable instructions' }, { cachePoint: { type: 'default' } }]);
    expect(withoutCache!.modelId).toBe(LLAMA);
    expect(withoutCache!.body['system']).toEqual([{ text: 'Long stable instructions' }]);
    // 100 fresh × 0.8 + 1000 cached × 0.08 + 10 out × 4, per million.
    expect(cached.usage).toEqual({ inputTokens: 1100, outputTokens: 10, costUsd: 0.00020, cacheReadInputTokens: 1000 });
  });

  it('gets structured output through a forced tool and feeds generateObject', async () => {
    server.reply({ kind: 'message', content: [{ toolUse: { toolUseId: 't1', name: 'structured_output', input: { intent: 'billing', priority: 2 } } }], stopReason: 'tool_use' });
    const Triage = z.object({ intent: z.enum(['billing', 'bug']), priority: z.number().int() });

    const { value, attempts } = await generateObject(sut, { messages: [{ role: 'user', content: 'charged twice' }] }, Triage, ctx);

    expect(value).toEqual({ intent: 'billing', priority: 2 });
    expect(attempts).toBe(1);
    const toolConfig = server.converseCalls()[0]!.body['toolConfig'] as { toolChoice: unknown; tools: Array<{ toolSpec?: { name: string; inputSchema: { json: Record<string, unknown> } } }> };
    expect(toolConfig.toolChoice).toEqual({ tool: { name: 'structured_output' } });
    expect(toolConfig.tools[0]!.toolSpec!.inputSchema.json).toMatchObject({ type: 'object', required: ['intent', 'priority'] });
    expect(toolConfig.tools[0]!.toolSpec!.inputSchema.json).not.toHaveProperty('$schema');
  });

  it('retries ThrottlingException (429, x-amzn-errortype) through the SDK and then succeeds', async () => {
    server.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'message', content: [{ text: 'finally' }] });

    const res = await sut.chat({ messages: [{ role: 'user', content: 'hi' }] }, ctx);

    expect(res.text).toBe('finally');
    expect(server.converseCalls()).toHaveLength(3);
  });

  it('reports LLM.THROTTLED once the attempts are spent, keeping the SDK error as cause', async () => {
    server.reply({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' });

    const error = await sut.chat({ messages: [{ role: 'user', content: 'hi' }] }, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmThrottledError);
    expect(error).toMatchObject({ code: 'LLM.THROTTLED', category: 'third_party', details: { awsError: 'ThrottlingException', httpStatus: 429, attempts: 3 } });
    expect((error as Error).cause).toMatchObject({ name: 'ThrottlingException' });
    expect(server.converseCalls()).toHaveLength(3);
  });

  it('maps ValidationException to LLM.REQUEST_INVALID (user: never retried)', async () => {
    server.reply({ kind: 'error', status: 400, type: 'ValidationException', message: 'Input is too long for requested model.' });

    const error = await sut.chat({ messages: [{ role: 'user', content: 'x' }] }, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmRequestInvalidError);
    expect(error).toMatchObject({ category: 'user' });
    expect((error as Error).message).toContain('Input is too long');
    expect(server.converseCalls()).toHaveLength(1);
  });

  it('maps the stop reasons max_tokens and guardrail_intervened', async () => {
    server.reply({ kind: 'message', content: [{ text: 'trunc' }], stopReason: 'max_tokens' }, { kind: 'message', content: [{ text: 'blocked' }], stopReason: 'guardrail_intervened' });
    expect((await sut.chat({ messages: [{ role: 'user', content: 'a' }] }, ctx)).stopReason).toBe('max_tokens');
    expect((await sut.chat({ messages: [{ role: 'user', content: 'b' }] }, ctx)).stopReason).toBe('content_filtered');
  });

  it('rejects a tool call for a tool that was not offered', async () => {
    server.reply({ kind: 'message', content: [{ toolUse: { toolUseId: 't9', name: 'drop_database', input: {} } }], stopReason: 'tool_use' });

    const error = await sut.chat({ messages: [{ role: 'user', content: 'x' }], tools: [lookupTool] }, ctx).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmToolCallInvalidError);
    expect(error).toMatchObject({ code: 'LLM.TOOL_CALL_INVALID' });
  });

  it('times out a slow response with LLM.TIMEOUT', async () => {
    server.reply({ kind: 'slow', ms: 3_000, then: { kind: 'message', content: [{ text: 'late' }] } });
    const started = Date.now();

    const error = await sut.chat({ messages: [{ role: 'user', content: 'x' }] }, ctx, { timeoutMs: 200 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('cancels an in-flight call with LLM.CANCELLED', async () => {
    server.reply({ kind: 'slow', ms: 3_000, then: { kind: 'message', content: [{ text: 'late' }] } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const error = await sut.chat({ messages: [{ role: 'user', content: 'x' }] }, ctx, { signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmCancelledError);
    expect(error).toMatchObject({ category: 'user' });
  });

  it('embeds through InvokeModel, one request per text', async () => {
    server.reply({ kind: 'embedding', embedding: [0.1, 0.2], inputTextTokenCount: 3 }, { kind: 'embedding', embedding: [0.3, 0.4], inputTextTokenCount: 4 });

    const res = await sut.embed(['a b c', 'd e f g'], ctx);

    expect(res.vectors).toEqual([[0.1, 0.2], [0.3, 0.4]]);
    expect(res.usage.inputTokens).toBe(7);
    expect(server.requests.map((r) => r.path)).toEqual(['/model/amazon.titan-embed-text-v2%3A0/invoke', '/model/amazon.titan-embed-text-v2%3A0/invoke']);
    expect(server.requests[0]!.body).toEqual({ inputText: 'a b c' });
  });
});
