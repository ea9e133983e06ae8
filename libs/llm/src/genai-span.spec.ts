import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { initTracing, shutdownTracing } from '@switchboard/observability';
import { ProviderAdapter } from './adapters/provider-adapter';
import { LlmProviderUnavailableError } from './llm.errors';
import type { ChatRequest, ChatResponse, EmbedResponse, LlmCallContext } from './llm.port';
import { RegionRouter } from './region-router';

const SECRET_PROMPT = 'my password is hunter2 and my card 4111 1111 1111 1111';
const SECRET_COMPLETION = 'reset done for jane@example.com';

/** Named double of a provider: answers from a script; fails with a provider outage when told to. */
class ScriptedProvider extends ProviderAdapter {
  readonly kind = 'bedrock' as const;
  failing = false;
  constructor(readonly name: string, private readonly model: string) {
    super();
  }
  override requestModel(): string {
    return this.model;
  }
  async chat(_req: ChatRequest, _ctx: LlmCallContext): Promise<ChatResponse> {
    if (this.failing) throw new LlmProviderUnavailableError(this.name, `upstream said: ${SECRET_PROMPT}`);
    return { text: SECRET_COMPLETION, toolCalls: [], stopReason: 'max_tokens', usage: { inputTokens: 321, outputTokens: 45, costUsd: 0.001 }, provider: this.name, model: this.model, latencyMs: 3 };
  }
  async embed(texts: string[]): Promise<EmbedResponse> {
    return { vectors: texts.map(() => [0.1]), usage: { inputTokens: 7, outputTokens: 0, costUsd: 0 }, provider: this.name, model: 'embedder-1', latencyMs: 1 };
  }
}

describe('GenAI spans of LLM calls', () => {
  const exporter = new InMemorySpanExporter();
  const primary = new ScriptedProvider('bedrock-us', 'anthropic.claude-3-5-haiku');
  const fallback = new ScriptedProvider('bedrock-us-2', 'anthropic.claude-3-haiku');
  const sut = new RegionRouter({ regions: { 'us-east-1': { providers: ['bedrock-us', 'bedrock-us-2'] } } as never, adapters: [primary, fallback] });
  const ctx: LlmCallContext = { caseId: 'case_1', region: 'us-east-1', agent: 'triage', tenantId: 'acme' };
  const request: ChatRequest = { system: SECRET_PROMPT, messages: [{ role: 'user', content: SECRET_PROMPT }], maxTokens: 200, temperature: 0 };

  beforeAll(() => initTracing({ serviceName: 'genai-span-spec', extraProcessors: [new SimpleSpanProcessor(exporter)] }));
  afterAll(() => shutdownTracing());
  beforeEach(() => {
    exporter.reset();
    primary.failing = false;
  });

  it('gives a chat call a CLIENT span with the GenAI attributes: operation, provider, models, tokens, finish reason', async () => {
    await sut.chat(request, ctx);
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('chat anthropic.claude-3-5-haiku');
    expect(span!.kind).toBe(2); // SpanKind.CLIENT
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.system': 'aws.bedrock',
      'gen_ai.request.model': 'anthropic.claude-3-5-haiku', 'gen_ai.request.max_tokens': 200, 'gen_ai.request.temperature': 0,
      'gen_ai.response.model': 'anthropic.claude-3-5-haiku', 'gen_ai.usage.input_tokens': 321, 'gen_ai.usage.output_tokens': 45, 'gen_ai.response.finish_reasons': ['length'],
      'switchboard.llm.provider': 'bedrock-us', 'switchboard.agent': 'triage', 'switchboard.region': 'us-east-1', 'switchboard.case_id': 'case_1',
    });
  });

  it('never puts the prompt, the completion or an error message on the span; a failed attempt has its own span with error.type', async () => {
    primary.failing = true;
    await sut.chat(request, ctx);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.attributes['switchboard.llm.provider'])).toEqual(['bedrock-us', 'bedrock-us-2']);
    expect(spans[0]!.attributes['error.type']).toBe('LLM.PROVIDER_UNAVAILABLE');
    expect(spans[0]!.status).toEqual({ code: 2, message: 'LLM.PROVIDER_UNAVAILABLE' });
    expect(spans[0]!.events).toEqual([]);
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    for (const secret of ['hunter2', '4111', 'jane@example.com', 'upstream said']) expect(everything).not.toContain(secret);
  });

  it('gives an embedding call an embeddings span with its input tokens', async () => {
    await sut.embed(['some text'], ctx);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 7, 'gen_ai.response.model': 'embedder-1' });
    expect(span!.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });
});
