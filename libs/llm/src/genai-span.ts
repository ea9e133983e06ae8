import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ProviderAdapter, ProviderKind } from './adapters/provider-adapter';
import type { ChatRequest, ChatResponse, EmbedResponse, LlmCallContext, StopReason } from './llm.port';

/** `gen_ai.provider.name` per adapter kind: the semantic conventions' well-known value where there is one. */
const PROVIDER_NAMES: Record<ProviderKind, string> = { bedrock: 'aws.bedrock', ollama: 'ollama', 'llama-cpp': 'llama.cpp' };

const FINISH_REASONS: Record<StopReason, string> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', content_filtered: 'content_filter' };

export type GenAiOperation = 'chat' | 'embeddings';

/**
 * The OpenTelemetry GenAI semantic-convention attributes of one call: operation, provider, models, token usage, finish
 * reasons, plus Switchboard's own routing keys. Never the prompt, the tools' arguments or the completion: traces leave
 * the region and the process, and case text may carry secrets or personal data.
 *
 * @example
 * genAiAttributes({ operation: 'chat', adapter, ctx, request, response });
 */
export function genAiAttributes(input: {
  operation: GenAiOperation;
  adapter: Pick<ProviderAdapter, 'name' | 'kind'>;
  ctx: LlmCallContext;
  requestModel?: string | undefined;
  request?: Pick<ChatRequest, 'maxTokens' | 'temperature'>;
  response?: Pick<ChatResponse, 'model' | 'usage'> & Partial<Pick<ChatResponse, 'stopReason'>>;
}): Attributes {
  const { operation, adapter, ctx, request, response } = input;
  const provider = PROVIDER_NAMES[adapter.kind];
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': provider,
    // The attribute older collectors and dashboards still key on (renamed gen_ai.provider.name in semconv 1.37).
    'gen_ai.system': provider,
    'switchboard.llm.provider': adapter.name,
    'switchboard.agent': ctx.agent,
    'switchboard.region': ctx.region,
    'switchboard.case_id': ctx.caseId,
  };
  const model = input.requestModel ?? response?.model;
  if (model) attributes['gen_ai.request.model'] = model;
  if (request?.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = request.maxTokens;
  if (request?.temperature !== undefined) attributes['gen_ai.request.temperature'] = request.temperature;
  if (response) {
    attributes['gen_ai.response.model'] = response.model;
    attributes['gen_ai.usage.input_tokens'] = response.usage.inputTokens;
    attributes['gen_ai.usage.output_tokens'] = response.usage.outputTokens;
    if (response.stopReason) attributes['gen_ai.response.finish_reasons'] = [FINISH_REASONS[response.stopReason]];
  }
  return attributes;
}

/**
 * Runs one provider call inside a CLIENT span named `{operation} {model}` with the GenAI attributes; a failure sets
 * the span's status and `error.type` to our error code (not its message, which may quote provider output).
 *
 * @example
 * const res = await inGenAiSpan('chat', adapter, ctx, req, () => adapter.chat(req, ctx, { signal }));
 */
export async function inGenAiSpan<R extends ChatResponse | EmbedResponse>(
  operation: GenAiOperation,
  adapter: ProviderAdapter,
  ctx: LlmCallContext,
  request: Pick<ChatRequest, 'maxTokens' | 'temperature'> | undefined,
  call: () => Promise<R>,
): Promise<R> {
  const requestModel = adapter.requestModel(ctx, operation);
  const base = genAiAttributes({ operation, adapter, ctx, requestModel, ...(request ? { request } : {}) });
  const span = trace.getTracer('switchboard.llm').startSpan(`${operation} ${requestModel ?? adapter.name}`, { kind: SpanKind.CLIENT, attributes: base }, context.active());
  try {
    const res = await context.with(trace.setSpan(context.active(), span), call);
    const stopReason = 'stopReason' in res ? res.stopReason : undefined;
    span.setAttributes(genAiAttributes({ operation, adapter, ctx, requestModel, response: { model: res.model, usage: res.usage, ...(stopReason ? { stopReason } : {}) } }));
    return res;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const type = typeof code === 'string' ? code : (error as Error)?.name ?? 'Error';
    span.setAttribute('error.type', type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    throw error;
  } finally {
    span.end();
  }
}
