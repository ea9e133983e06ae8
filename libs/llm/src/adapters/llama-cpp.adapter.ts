import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import type {
  ChatHistoryItem,
  ChatModelFunctions,
  GbnfJsonSchema,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  LLamaChatGenerateResponseOptions,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { withDeadline } from '../call-deadline';
import { LlmProviderUnavailableError, LlmRequestInvalidError } from '../llm.errors';
import type { ChatRequest, ChatResponse, EmbedResponse, JsonSchema, LlmCallContext, LlmCallOptions, StopReason, ToolCall } from '../llm.port';
import { PriceBook } from '../pricing';
import { assertUniqueTools, ProviderAdapter } from './provider-adapter';

/** Options of {@link LlamaCppAdapter}. */
export interface LlamaCppAdapterOptions {
  name?: string;
  /** Path of a GGUF file (see `scripts/fetch-model`). */
  modelPath: string;
  /** Name reported as `model` (default: the file name). */
  modelName?: string;
  contextSize?: number;
  /** CPU threads. On a busy 2-core box more threads than free cores makes llama.cpp's spinning workers crawl. */
  threads?: number;
  timeoutMs?: number;
  prices?: PriceBook;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  embedding?: LlamaEmbeddingContext;
}

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

/**
 * Runs a GGUF model in-process with node-llama-cpp (prebuilt CPU binary, nothing downloaded), so a sovereign region
 * needs no model server. `responseSchema` becomes a JSON-schema grammar: the output is valid JSON of that shape by
 * construction. Calls are serialised on one context sequence. node-llama-cpp is ESM-only; it is loaded with a real
 * dynamic `import()` on first use, which works in Node (CommonJS build) but not inside Jest's VM — see docs/llm.md.
 *
 * @example
 * const local = new LlamaCppAdapter({ modelPath: '/root/.cache/switchboard/models/gemma-3-270m-q4_k_m.gguf' });
 * const res = await local.chat({ messages: [{ role: 'user', content: 'Classify: refund please' }], responseSchema }, ctx);
 */
export class LlamaCppAdapter extends ProviderAdapter {
  readonly kind = 'llama-cpp' as const;
  readonly name: string;
  readonly modelName: string;
  private loading?: Promise<Loaded>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly prices: PriceBook;

  constructor(private readonly options: LlamaCppAdapterOptions) {
    super();
    this.name = options.name ?? 'llama-cpp';
    this.modelName = options.modelName ?? basename(options.modelPath);
    this.prices = options.prices ?? new PriceBook();
  }

  /** Loads the runtime and model now instead of on the first call (e.g. at bootstrap, to fail fast). */
  async warmUp(): Promise<void> {
    await this.load();
  }

  override requestModel(): string {
    return this.modelName;
  }

  async chat(req: ChatRequest, _ctx: LlmCallContext, opts?: LlmCallOptions): Promise<ChatResponse> {
    assertUniqueTools(this.name, req.tools);
    const started = Date.now();
    return withDeadline(this.name, opts, this.options.timeoutMs ?? 300_000, (signal) =>
      this.serialised(async () => {
        const { llama, sequence } = await this.load();
        const lib = await loadNodeLlamaCpp();
        const grammar = req.responseSchema ? await this.grammarFor(llama, req.responseSchema) : undefined;
        // A grammar and function calling cannot be combined in node-llama-cpp; structured output wins.
        const functions = !grammar && req.tools?.length ? toFunctions(req.tools) : undefined;
        await sequence.clearHistory();
        const before = sequence.tokenMeter.getState();
        const chat = new lib.LlamaChat({ contextSequence: sequence });
        try {
          const options: LLamaChatGenerateResponseOptions<ChatModelFunctions> = {
            signal,
            ...(grammar ? { grammar } : functions ? { functions } : {}),
            ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
            temperature: req.temperature ?? 0,
            ...(req.stopSequences?.length ? { customStopTriggers: req.stopSequences } : {}),
          };
          const res = await chat.generateResponse(toHistory(req), options);
          const used = sequence.tokenMeter.diff(before);
          const toolCalls: ToolCall[] = (res.functionCalls ?? []).map((c, i) => ({
            id: `call_${i}`,
            name: c.functionName,
            arguments: (c.params ?? {}) as Record<string, unknown>,
          }));
          const stopReason: StopReason = toolCalls.length
            ? 'tool_use'
            : res.metadata.stopReason === 'maxTokens'
              ? 'max_tokens'
              : res.metadata.stopReason === 'customStopTrigger'
                ? 'stop_sequence'
                : 'end_turn';
          return {
            text: res.response.trim(),
            toolCalls,
            stopReason,
            usage: this.prices.usage(this.modelName, { inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens }),
            provider: this.name,
            model: this.modelName,
            latencyMs: Date.now() - started,
          };
        } finally {
          chat.dispose({ disposeSequence: false });
        }
      }),
    );
  }

  async embed(texts: string[], _ctx: LlmCallContext, opts?: LlmCallOptions): Promise<EmbedResponse> {
    const started = Date.now();
    return withDeadline(this.name, opts, this.options.timeoutMs ?? 300_000, () =>
      this.serialised(async () => {
        const loaded = await this.load();
        loaded.embedding ??= await loaded.model.createEmbeddingContext({ contextSize: Math.min(this.options.contextSize ?? 2048, 2048), threads: this.threads() });
        const vectors: number[][] = [];
        let tokens = 0;
        for (const text of texts) {
          tokens += loaded.model.tokenize(text).length;
          vectors.push(Array.from((await loaded.embedding.getEmbeddingFor(text)).vector));
        }
        return { vectors, usage: this.prices.usage(this.modelName, { inputTokens: tokens, outputTokens: 0 }), provider: this.name, model: this.modelName, latencyMs: Date.now() - started };
      }),
    );
  }

  override async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (loading) await (await loading.catch(() => undefined))?.llama.dispose();
  }

  private threads(): number {
    return this.options.threads ?? 2;
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private load(): Promise<Loaded> {
    this.loading ??= (async () => {
      if (!existsSync(this.options.modelPath)) {
        throw new LlmProviderUnavailableError(this.name, `model file ${this.options.modelPath} does not exist (run scripts/fetch-model)`);
      }
      try {
        const lib = await loadNodeLlamaCpp();
        // build: 'never' — use the prebuilt binary from npm; compiling or downloading at run time is not an option here.
        const llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.error, maxThreads: this.threads() });
        const model = await llama.loadModel({ modelPath: this.options.modelPath });
        const context = await model.createContext({ contextSize: this.options.contextSize ?? 2048, threads: this.threads() });
        return { llama, model, context, sequence: context.getSequence() };
      } catch (error) {
        throw new LlmProviderUnavailableError(this.name, `could not load ${this.options.modelPath}: ${(error as Error).message}`, { cause: error });
      }
    })();
    this.loading.catch(() => { this.loading = undefined; });
    return this.loading;
  }

  private async grammarFor(llama: Llama, schema: JsonSchema): Promise<LlamaGrammar> {
    try {
      return await llama.createGrammarForJsonSchema(toGbnfSchema(schema) as never);
    } catch (error) {
      throw new LlmRequestInvalidError(this.name, `responseSchema cannot be turned into a grammar: ${(error as Error).message}`, { cause: error });
    }
  }
}

let modulePromise: Promise<NodeLlamaCpp> | undefined;
/** Real dynamic import, kept as such by tsc (module node16) and by swc (`ignoreDynamic`). */
function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  modulePromise ??= import('node-llama-cpp');
  return modulePromise;
}

const KEEP = new Set(['type', 'description', 'enum', 'const', 'minLength', 'maxLength', 'minItems', 'maxItems', 'required', 'minProperties', 'maxProperties']);
const FORMATS = new Set(['date-time', 'time', 'date']);

/**
 * Reduces a JSON Schema (as `z.toJSONSchema` emits it) to the subset node-llama-cpp turns into a grammar: `anyOf`
 * becomes `oneOf`, unsupported keywords (`$schema`, `pattern`, numeric bounds…) are dropped — zod still checks them.
 *
 * @example
 * toGbnfSchema(z.toJSONSchema(z.object({ a: z.string().email() }))); // { type: 'object', properties: { a: { type: 'string' } }, ... }
 */
export function toGbnfSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGbnfSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (KEEP.has(k)) out[k] = v;
    else if (k === 'format' && typeof v === 'string' && FORMATS.has(v)) out[k] = v;
    else if (k === 'properties' || k === '$defs') out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, toGbnfSchema(pv)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = typeof v === 'boolean' ? v : toGbnfSchema(v);
    else if (k === 'prefixItems') out[k] = toGbnfSchema(v);
    else if (k === 'anyOf' || k === 'oneOf') out['oneOf'] = toGbnfSchema(v);
    else if (k === '$ref') out[k] = v;
  }
  if (out['type'] === 'object' && !('properties' in out) && !('additionalProperties' in out)) out['additionalProperties'] = true;
  return out;
}

function toFunctions(tools: NonNullable<ChatRequest['tools']>): ChatModelFunctions {
  return Object.fromEntries(tools.map((t) => [t.name, { description: t.description, params: toGbnfSchema(t.inputSchema) as GbnfJsonSchema }]));
}

function toHistory(req: ChatRequest): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = [];
  if (req.system) items.push({ type: 'system', text: req.system });
  const results = new Map<string, string>();
  for (const m of req.messages) if (m.role === 'tool') results.set(m.toolCallId, m.content);
  for (const m of req.messages) {
    if (m.role === 'user') items.push({ type: 'user', text: m.content });
    else if (m.role === 'assistant') {
      items.push({
        type: 'model',
        response: [
          ...(m.content ? [m.content] : []),
          ...(m.toolCalls ?? []).map((c) => ({ type: 'functionCall' as const, name: c.name, params: c.arguments, result: results.get(c.id) ?? null })),
        ],
      });
    }
  }
  // The chat must end on a user turn for a new model response to be generated.
  if (items[items.length - 1]?.type === 'model') items.push({ type: 'user', text: 'Continue.' });
  return items;
}
