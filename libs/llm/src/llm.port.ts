/** A JSON Schema object (draft 2020-12 as produced by `z.toJSONSchema`). */
export type JsonSchema = Record<string, unknown>;

/**
 * Who is calling and for which case: the region decides which providers may see the data, the agent picks the model
 * role and is the accounting key.
 *
 * @example
 * const ctx: LlmCallContext = { caseId: env.caseId, region: env.region, agent: 'triage', tenantId: env.tenantId };
 */
export interface LlmCallContext {
  caseId: string;
  region: string;
  /** 'triage' | 'resolver' | 'verifier' | 'retrieval' | ... — also the model role. */
  agent: string;
  tenantId?: string;
}

/**
 * A tool the model may call, as listed by the gateway catalogue.
 *
 * @example
 * const spec: ToolSpec = { name: 'lookup_order', description: 'Find an order', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } };
 */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

/**
 * A tool call the model asked for; `id` links the later `tool` message carrying its result.
 *
 * @example
 * const call: ToolCall = { id: 'call_1', name: 'lookup_order', arguments: { id: 'A-1' } };
 */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * One conversation turn. Assistant turns may carry tool calls; tool turns answer one call by id.
 *
 * @example
 * const turns: ChatMessage[] = [
 *   { role: 'user', content: 'Where is order A-1?' },
 *   { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'lookup_order', arguments: { id: 'A-1' } }] },
 *   { role: 'tool', toolCallId: 'c1', content: '{"status":"shipped"}' },
 * ];
 */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string; isError?: boolean };

/**
 * A chat request. With `responseSchema` the model is asked for JSON matching it (Bedrock: forced tool,
 * Ollama: `format`, llama.cpp: grammar); prefer {@link generateObject}, which also validates and repairs.
 *
 * @example
 * const req: ChatRequest = { system: 'You triage tickets.', messages: [{ role: 'user', content: ticket.body }], maxTokens: 256 };
 */
export interface ChatRequest {
  system?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  responseSchema?: JsonSchema;
  maxTokens?: number;
  temperature?: number;
  stopSequences?: string[];
}

/** Why the model stopped, normalised across providers. */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'content_filtered';

/**
 * Tokens and estimated cost of one call (or a sum of calls). `inputTokens` includes cached prompt tokens, which are
 * broken out in `cacheReadInputTokens` / `cacheWriteInputTokens` where the provider reports them.
 *
 * @example
 * const { inputTokens, outputTokens, costUsd } = response.usage;
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/**
 * A provider-neutral chat answer.
 *
 * @example
 * if (res.stopReason === 'tool_use') for (const call of res.toolCalls) await gateway.invoke(call.name, call.arguments);
 */
export interface ChatResponse {
  text: string;
  toolCalls: ToolCall[];
  stopReason: StopReason;
  usage: TokenUsage;
  provider: string;
  model: string;
  latencyMs: number;
}

/**
 * Embedding vectors, one per input text, in input order.
 *
 * @example
 * const { vectors } = await llm.embed(chunks, ctx);
 */
export interface EmbedResponse {
  vectors: number[][];
  usage: TokenUsage;
  provider: string;
  model: string;
  latencyMs: number;
}

/**
 * Per-call controls. `timeoutMs` is the whole call's deadline (fallbacks included) → `LLM.TIMEOUT`;
 * aborting `signal` → `LLM.CANCELLED`.
 *
 * @example
 * await llm.chat(req, ctx, { signal: task.signal, timeoutMs: 30_000 });
 */
export interface LlmCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The LLM port (type and DI token at once). Implemented by the provider adapters, by {@link RegionRouter} (what apps
 * use) and by the `ScriptedLlm` test double.
 *
 * @example
 * constructor(private readonly llm: LlmPort) {}
 * const res = await this.llm.chat({ messages: [{ role: 'user', content: 'hi' }] }, ctx, { timeoutMs: 20_000 });
 */
export abstract class LlmPort {
  abstract chat(req: ChatRequest, ctx: LlmCallContext, opts?: LlmCallOptions): Promise<ChatResponse>;
  abstract embed(texts: string[], ctx: LlmCallContext, opts?: LlmCallOptions): Promise<EmbedResponse>;
}

/**
 * Sums token usage (e.g. over repair attempts).
 *
 * @example
 * const total = addUsage(first.usage, second.usage);
 */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: TokenUsage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: roundUsd(a.costUsd + b.costUsd),
  };
  const cr = (a.cacheReadInputTokens ?? 0) + (b.cacheReadInputTokens ?? 0);
  const cw = (a.cacheWriteInputTokens ?? 0) + (b.cacheWriteInputTokens ?? 0);
  if (cr) sum.cacheReadInputTokens = cr;
  if (cw) sum.cacheWriteInputTokens = cw;
  return sum;
}

/**
 * A zero usage, the identity of {@link addUsage}.
 *
 * @example
 * const total = responses.reduce((sum, r) => addUsage(sum, r.usage), ZERO_USAGE);
 */
export const ZERO_USAGE: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, costUsd: 0 }) as TokenUsage;

/**
 * Rounds to a micro-dollar so sums of many calls do not drift into float noise.
 *
 * @example
 * roundUsd(0.1 + 0.2); // 0.3
 */
export function roundUsd(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
