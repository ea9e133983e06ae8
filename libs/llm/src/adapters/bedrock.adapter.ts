import {
  BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
  type ContentBlock,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type SystemContentBlock,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { withDeadline } from '../call-deadline';
import {
  LlmProviderUnavailableError,
  LlmRequestInvalidError,
  LlmThrottledError,
  LlmToolCallInvalidError,
} from '../llm.errors';
import type { ChatRequest, ChatResponse, EmbedResponse, LlmCallContext, LlmCallOptions, StopReason, ToolCall } from '../llm.port';
import { addUsage, ZERO_USAGE } from '../llm.port';
import { PriceBook } from '../pricing';
import { assertUniqueTools, modelFor, ProviderAdapter, stripSchemaMeta, type RoleModels } from './provider-adapter';

/**
 * Options of {@link BedrockAdapter}. Credentials come from the standard AWS chain (env, profile, IMDS, IRSA) unless
 * `credentials` is given — only tests should pass static ones.
 */
export interface BedrockAdapterOptions {
  name?: string;
  awsRegion: string;
  endpoint?: string;
  models: RoleModels;
  embedModel?: string;
  /** `auto`: cache points only for model families that support Converse prompt caching. */
  promptCaching?: 'auto' | 'on' | 'off';
  /** Total attempts per call including SDK retries of throttling / 5xx (standard retry mode). */
  maxAttempts?: number;
  timeoutMs?: number;
  prices?: PriceBook;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const STRUCTURED_TOOL = 'structured_output';
// Families documented to accept Converse cachePoint blocks; others reject or ignore them.
const CACHING_MODELS = /(anthropic\.claude-(3-5-haiku|3-7-sonnet|sonnet-4|opus-4|haiku-4)|amazon\.nova-)/;
const STOP: Record<string, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  guardrail_intervened: 'content_filtered',
  content_filtered: 'content_filtered',
  model_context_window_exceeded: 'max_tokens',
};

/**
 * AWS Bedrock through the Converse API: tools via `toolConfig`, structured output via a forced tool, prompt caching
 * where the model supports it, throttling retried by the SDK and then reported as `LLM.THROTTLED`. Embeddings use
 * InvokeModel with a Titan-style body (`{ inputText }` → `{ embedding, inputTextTokenCount }`).
 *
 * @example
 * const bedrock = new BedrockAdapter({ awsRegion: 'us-east-1', models: { default: 'anthropic.claude-3-5-haiku-20241022-v1:0' } });
 * const res = await bedrock.chat({ messages: [{ role: 'user', content: 'hi' }] }, ctx);
 */
export class BedrockAdapter extends ProviderAdapter {
  readonly kind = 'bedrock' as const;
  readonly name: string;
  private readonly client: BedrockRuntimeClient;
  private readonly prices: PriceBook;

  constructor(private readonly options: BedrockAdapterOptions) {
    super();
    this.name = options.name ?? 'bedrock';
    this.prices = options.prices ?? new PriceBook();
    this.client = new BedrockRuntimeClient({
      region: options.awsRegion,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // HTTP/1.1 handler: Converse is request/response, and it also lets tests reach a plain local server.
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }),
      maxAttempts: options.maxAttempts ?? 3,
      // A copy: the SDK annotates the credentials object it is given.
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    });
  }

  override requestModel(ctx: LlmCallContext, operation: 'chat' | 'embeddings'): string | undefined {
    return operation === 'chat' ? modelFor(this.options.models, ctx) : this.options.embedModel;
  }

  async chat(req: ChatRequest, ctx: LlmCallContext, opts?: LlmCallOptions): Promise<ChatResponse> {
    assertUniqueTools(this.name, req.tools);
    const model = modelFor(this.options.models, ctx);
    const input = this.toConverse(model, req);
    const started = Date.now();
    const out = await withDeadline(this.name, opts, this.options.timeoutMs ?? 60_000, async (signal) => {
      try {
        return await this.client.send(new ConverseCommand(input), { abortSignal: signal });
      } catch (error) {
        if (signal.aborted) throw error;
        throw this.translate(error);
      }
    });
    return this.fromConverse(out, model, req, Date.now() - started);
  }

  async embed(texts: string[], ctx: LlmCallContext, opts?: LlmCallOptions): Promise<EmbedResponse> {
    const model = this.options.embedModel;
    if (!model) throw new LlmRequestInvalidError(this.name, 'no embedModel configured for this provider');
    const started = Date.now();
    let tokens = 0;
    const vectors = await withDeadline(this.name, opts, this.options.timeoutMs ?? 60_000, async (signal) => {
      const out: number[][] = [];
      for (const text of texts) {
        try {
          const res = await this.client.send(
            new InvokeModelCommand({ modelId: model, contentType: 'application/json', accept: 'application/json', body: JSON.stringify({ inputText: text }) }),
            { abortSignal: signal },
          );
          const body = JSON.parse(new TextDecoder().decode(res.body)) as { embedding?: number[]; inputTextTokenCount?: number };
          if (!Array.isArray(body.embedding)) throw new LlmProviderUnavailableError(this.name, 'embedding response has no "embedding" array');
          out.push(body.embedding);
          tokens += body.inputTextTokenCount ?? 0;
        } catch (error) {
          if (signal.aborted || error instanceof LlmProviderUnavailableError) throw error;
          throw this.translate(error);
        }
      }
      return out;
    });
    void ctx;
    return { vectors, usage: this.prices.usage(model, { inputTokens: tokens, outputTokens: 0 }), provider: this.name, model, latencyMs: Date.now() - started };
  }

  override async close(): Promise<void> {
    this.client.destroy();
  }

  private cachingOn(model: string): boolean {
    const mode = this.options.promptCaching ?? 'auto';
    return mode === 'on' || (mode === 'auto' && CACHING_MODELS.test(model));
  }

  private toConverse(model: string, req: ChatRequest): ConverseCommandInput {
    const cache = this.cachingOn(model);
    const structured = req.responseSchema && !req.tools?.length && req.responseSchema['type'] === 'object';
    let systemText = req.system ?? '';
    if (req.responseSchema && !structured) {
      systemText += `${systemText ? '\n\n' : ''}Answer with only a JSON value matching this JSON Schema:\n${JSON.stringify(stripSchemaMeta(req.responseSchema))}`;
    }
    const system: SystemContentBlock[] = systemText ? [{ text: systemText }] : [];
    // The system prompt and tool list are the stable prefix across a case's turns: cache there.
    if (cache && system.length) system.push({ cachePoint: { type: 'default' } });
    const tools: Tool[] = (req.tools ?? []).map((t) => ({
      toolSpec: { name: t.name, description: t.description, inputSchema: { json: stripSchemaMeta(t.inputSchema) as never } },
    }));
    if (structured) {
      tools.push({
        toolSpec: { name: STRUCTURED_TOOL, description: 'Return the final answer as structured data.', inputSchema: { json: stripSchemaMeta(req.responseSchema!) as never } },
      });
    }
    if (cache && tools.length) tools.push({ cachePoint: { type: 'default' } });
    return {
      modelId: model,
      messages: toMessages(req),
      ...(system.length ? { system } : {}),
      inferenceConfig: {
        ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...(req.stopSequences?.length ? { stopSequences: req.stopSequences } : {}),
      },
      ...(tools.length ? { toolConfig: { tools, ...(structured ? { toolChoice: { tool: { name: STRUCTURED_TOOL } } } : {}) } } : {}),
    };
  }

  private fromConverse(out: ConverseCommandOutput, model: string, req: ChatRequest, latencyMs: number): ChatResponse {
    const content = out.output?.message?.content ?? [];
    let text = '';
    const toolCalls: ToolCall[] = [];
    const known = new Set((req.tools ?? []).map((t) => t.name));
    let structuredJson: string | undefined;
    for (const block of content) {
      if (block.text !== undefined) text += block.text;
      if (block.toolUse) {
        const { toolUseId, name, input } = block.toolUse;
        if (name === STRUCTURED_TOOL && req.responseSchema) {
          structuredJson = JSON.stringify(input ?? {});
          continue;
        }
        if (!name || !known.has(name)) throw new LlmToolCallInvalidError(this.name, `unknown tool "${name}"`, { toolUseId });
        if (input === null || typeof input !== 'object' || Array.isArray(input)) {
          throw new LlmToolCallInvalidError(this.name, `arguments of "${name}" are not an object`, { toolUseId, input });
        }
        toolCalls.push({ id: toolUseId ?? `tooluse_${toolCalls.length}`, name, arguments: input as Record<string, unknown> });
      }
    }
    let stopReason = STOP[out.stopReason ?? 'end_turn'] ?? 'end_turn';
    if (structuredJson !== undefined) {
      text = structuredJson;
      if (stopReason === 'tool_use') stopReason = 'end_turn';
    }
    const u = out.usage;
    const cacheRead = u?.cacheReadInputTokens ?? 0;
    const cacheWrite = u?.cacheWriteInputTokens ?? 0;
    // Converse reports cached prompt tokens apart from inputTokens; the port's inputTokens is the whole prompt.
    const usage = this.prices.usage(model, {
      inputTokens: (u?.inputTokens ?? 0) + cacheRead + cacheWrite,
      outputTokens: u?.outputTokens ?? 0,
      cacheReadInputTokens: cacheRead,
      cacheWriteInputTokens: cacheWrite,
    });
    return { text, toolCalls, stopReason, usage: addUsage(ZERO_USAGE, usage), provider: this.name, model, latencyMs };
  }

  private translate(error: unknown): Error {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    const details = { awsError: e.name, httpStatus: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts };
    switch (e.name) {
      case 'ThrottlingException':
      case 'ServiceQuotaExceededException':
      case 'TooManyRequestsException':
        return new LlmThrottledError(this.name, { cause: error, details });
      case 'ValidationException':
        return new LlmRequestInvalidError(this.name, e.message ?? 'validation failed', { cause: error, details });
      default:
        return new LlmProviderUnavailableError(this.name, `${e.name ?? 'error'}: ${e.message ?? String(error)}`, { cause: error, details });
    }
  }
}

function toMessages(req: ChatRequest): Message[] {
  const out: Message[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlock[]): void => {
    if (!blocks.length) return;
    const last = out[out.length - 1];
    // Converse requires alternating roles: consecutive same-role turns (e.g. several tool results) are merged.
    if (last && last.role === role) last.content = [...(last.content ?? []), ...blocks];
    else out.push({ role, content: blocks });
  };
  for (const m of req.messages) {
    if (m.role === 'user') push('user', m.content ? [{ text: m.content }] : []);
    else if (m.role === 'assistant') {
      const blocks: ContentBlock[] = m.content ? [{ text: m.content }] : [];
      for (const call of m.toolCalls ?? []) blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: call.arguments as never } });
      push('assistant', blocks);
    } else {
      push('user', [{ toolResult: { toolUseId: m.toolCallId, content: [{ text: m.content }], ...(m.isError ? { status: 'error' as const } : {}) } }]);
    }
  }
  return out;
}
