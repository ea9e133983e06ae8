import { Ollama, type Message, type Tool } from 'ollama';
import { withDeadline } from '../call-deadline';
import { parseModelJson } from '../json-repair';
import {
  LlmProviderUnavailableError,
  LlmRequestInvalidError,
  LlmThrottledError,
  LlmToolCallInvalidError,
} from '../llm.errors';
import type { ChatRequest, ChatResponse, EmbedResponse, LlmCallContext, LlmCallOptions, StopReason, ToolCall } from '../llm.port';
import { PriceBook } from '../pricing';
import { assertUniqueTools, modelFor, ProviderAdapter, stripSchemaMeta, type RoleModels } from './provider-adapter';

/** Options of {@link OllamaAdapter}. */
export interface OllamaAdapterOptions {
  name?: string;
  host: string;
  models: RoleModels;
  embedModel?: string;
  timeoutMs?: number;
  keepAlive?: string;
  /** Extra attempts when Ollama itself fails to parse the model's tool call (HTTP 500 "error parsing tool call"). */
  toolCallRetries?: number;
  prices?: PriceBook;
}

type WireToolCall = { id?: string; function?: { name?: string; arguments?: unknown } };

/**
 * Ollama over its native API (`/api/chat` with `tools` and `format`, `/api/embed`) via the `ollama` client.
 * Tolerates small models' tool-call mistakes: string or broken JSON arguments are repaired, a tool call written into
 * the text is lifted out, Ollama's own "error parsing tool call" is retried; what cannot be repaired becomes
 * `LLM.TOOL_CALL_INVALID` with the raw output in `details`.
 *
 * @example
 * const ollama = new OllamaAdapter({ host: 'http://127.0.0.1:11434', models: { default: 'qwen3:8b' }, embedModel: 'nomic-embed-text' });
 */
export class OllamaAdapter extends ProviderAdapter {
  readonly kind = 'ollama' as const;
  readonly name: string;
  private readonly prices: PriceBook;

  constructor(private readonly options: OllamaAdapterOptions) {
    super();
    this.name = options.name ?? 'ollama';
    this.prices = options.prices ?? new PriceBook();
  }

  override requestModel(ctx: LlmCallContext, operation: 'chat' | 'embeddings'): string | undefined {
    return operation === 'chat' ? modelFor(this.options.models, ctx) : this.options.embedModel;
  }

  async chat(req: ChatRequest, ctx: LlmCallContext, opts?: LlmCallOptions): Promise<ChatResponse> {
    assertUniqueTools(this.name, req.tools);
    const model = modelFor(this.options.models, ctx);
    const started = Date.now();
    const body = {
      model,
      messages: toMessages(req),
      stream: false as const,
      ...(req.tools?.length ? { tools: req.tools.map(toTool) } : {}),
      ...(req.responseSchema ? { format: stripSchemaMeta(req.responseSchema) } : {}),
      ...(this.options.keepAlive ? { keep_alive: this.options.keepAlive } : {}),
      options: {
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...(req.maxTokens !== undefined ? { num_predict: req.maxTokens } : {}),
        ...(req.stopSequences?.length ? { stop: req.stopSequences } : {}),
      },
    };
    const res = await withDeadline(this.name, opts, this.options.timeoutMs ?? 120_000, async (signal) => {
      const client = this.client(signal);
      const retries = this.options.toolCallRetries ?? 1;
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.chat(body);
        } catch (error) {
          if (signal.aborted) throw error;
          const message = (error as Error).message ?? '';
          if (/error parsing tool call/i.test(message)) {
            if (attempt < retries) continue;
            throw new LlmToolCallInvalidError(this.name, 'the server could not parse the model\'s tool call', { raw: message.slice(0, 2000), attempts: attempt + 1 }, { cause: error });
          }
          throw this.translate(error);
        }
      }
    });
    const { toolCalls, text } = this.readToolCalls(res.message?.content ?? '', (res.message?.tool_calls ?? []) as WireToolCall[], req);
    let stopReason: StopReason = res.done_reason === 'length' ? 'max_tokens' : 'end_turn';
    if (toolCalls.length) stopReason = 'tool_use';
    return {
      text,
      toolCalls,
      stopReason,
      usage: this.prices.usage(model, { inputTokens: res.prompt_eval_count ?? 0, outputTokens: res.eval_count ?? 0 }),
      provider: this.name,
      model,
      latencyMs: Date.now() - started,
    };
  }

  async embed(texts: string[], _ctx: LlmCallContext, opts?: LlmCallOptions): Promise<EmbedResponse> {
    const model = this.options.embedModel;
    if (!model) throw new LlmRequestInvalidError(this.name, 'no embedModel configured for this provider');
    const started = Date.now();
    const res = await withDeadline(this.name, opts, this.options.timeoutMs ?? 120_000, async (signal) => {
      try {
        return await this.client(signal).embed({ model, input: texts, truncate: true });
      } catch (error) {
        if (signal.aborted) throw error;
        throw this.translate(error);
      }
    });
    if (!Array.isArray(res.embeddings) || res.embeddings.length !== texts.length) {
      throw new LlmProviderUnavailableError(this.name, `expected ${texts.length} embeddings, got ${res.embeddings?.length ?? 'none'}`);
    }
    return {
      vectors: res.embeddings,
      usage: this.prices.usage(model, { inputTokens: res.prompt_eval_count ?? 0, outputTokens: 0 }),
      provider: this.name,
      model,
      latencyMs: Date.now() - started,
    };
  }

  // The client only passes a signal for streamed calls, so each call gets a client whose fetch carries ours.
  private client(signal: AbortSignal): Ollama {
    return new Ollama({ host: this.options.host, fetch: (input, init) => fetch(input, { ...init, signal }) });
  }

  private readToolCalls(content: string, wire: WireToolCall[], req: ChatRequest): { toolCalls: ToolCall[]; text: string } {
    const known = new Set((req.tools ?? []).map((t) => t.name));
    const toolCalls: ToolCall[] = [];
    wire.forEach((call, i) => {
      const name = call.function?.name ?? '';
      if (!known.has(name)) throw new LlmToolCallInvalidError(this.name, `unknown tool "${name}"`, { raw: call });
      toolCalls.push({ id: call.id ?? `call_${i}`, name, arguments: this.readArguments(name, call.function?.arguments) });
    });
    if (toolCalls.length || !known.size || req.responseSchema) return { toolCalls, text: content };
    // Small models often write the call as JSON text instead of using the tool-call channel.
    const lifted = liftTextToolCall(content, known);
    if (lifted) return { toolCalls: [{ id: 'call_0', name: lifted.name, arguments: this.readArguments(lifted.name, lifted.arguments) }], text: '' };
    return { toolCalls, text: content };
  }

  private readArguments(name: string, raw: unknown): Record<string, unknown> {
    let value: unknown = raw ?? {};
    if (typeof value === 'string') {
      const parsed = parseModelJson(value);
      if (!parsed.ok) throw new LlmToolCallInvalidError(this.name, `arguments of "${name}" are not JSON (${parsed.error})`, { raw: value.slice(0, 2000) });
      value = parsed.value;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new LlmToolCallInvalidError(this.name, `arguments of "${name}" are not an object`, { raw: value });
    }
    return value as Record<string, unknown>;
  }

  private translate(error: unknown): Error {
    const e = error as { name?: string; message?: string; status_code?: number; cause?: { code?: string } };
    const status = e.status_code;
    const details = { httpStatus: status };
    if (status === 429) return new LlmThrottledError(this.name, { cause: error, details });
    if (status === 400) return new LlmRequestInvalidError(this.name, e.message ?? 'bad request', { cause: error, details });
    if (status !== undefined) return new LlmProviderUnavailableError(this.name, `HTTP ${status}: ${e.message}`, { cause: error, details });
    return new LlmProviderUnavailableError(this.name, e.cause?.code ?? e.message ?? String(error), { cause: error });
  }
}

function liftTextToolCall(content: string, known: Set<string>): { name: string; arguments: unknown } | undefined {
  if (!/[{[]/.test(content)) return undefined;
  const parsed = parseModelJson(content);
  if (!parsed.ok) return undefined;
  const candidate = Array.isArray(parsed.value) ? parsed.value[0] : parsed.value;
  if (!candidate || typeof candidate !== 'object') return undefined;
  const c = candidate as { name?: unknown; arguments?: unknown; parameters?: unknown; function?: { name?: unknown; arguments?: unknown } };
  const name = c.name ?? c.function?.name;
  if (typeof name !== 'string' || !known.has(name)) return undefined;
  return { name, arguments: c.arguments ?? c.parameters ?? c.function?.arguments ?? {} };
}

function toTool(t: { name: string; description: string; inputSchema: Record<string, unknown> }): Tool {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: stripSchemaMeta(t.inputSchema) as Tool['function']['parameters'] } };
}

function toMessages(req: ChatRequest): Message[] {
  const out: Message[] = [];
  const toolNames = new Map<string, string>();
  if (req.system) out.push({ role: 'system', content: req.system });
  for (const m of req.messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      for (const c of m.toolCalls ?? []) toolNames.set(c.id, c.name);
      out.push({
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) } : {}),
      });
    } else {
      out.push({ role: 'tool', content: m.content, ...(toolNames.has(m.toolCallId) ? { tool_name: toolNames.get(m.toolCallId)! } : {}) });
    }
  }
  return out;
}
