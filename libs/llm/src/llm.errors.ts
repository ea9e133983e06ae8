import { SwitchboardError } from '@switchboard/observability';

/**
 * The provider rate-limited us and the SDK's own retries ran out. Retryable later (third_party).
 *
 * @example
 * if (err instanceof LlmThrottledError) backoff();
 */
export class LlmThrottledError extends SwitchboardError {
  constructor(provider: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('LLM.THROTTLED', 'third_party', `${provider} throttled the request; retry later or lower the call rate`, options);
  }
}

/**
 * The call's deadline passed before the provider answered.
 *
 * @example
 * await llm.chat(req, ctx, { timeoutMs: 5_000 }).catch((e) => e instanceof LlmTimeoutError && log(e));
 */
export class LlmTimeoutError extends SwitchboardError {
  constructor(provider: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('LLM.TIMEOUT', 'third_party', `${provider} did not answer within ${timeoutMs} ms`, { ...options, details: { provider, timeoutMs } });
  }
}

/**
 * The caller aborted the call. Category `user`: the stop was asked for, so it is never retried.
 *
 * @example
 * controller.abort(); // a pending llm.chat(...) rejects with LlmCancelledError
 */
export class LlmCancelledError extends SwitchboardError {
  constructor(provider: string, options?: { cause?: unknown }) {
    super('LLM.CANCELLED', 'user', `call to ${provider} was cancelled by the caller`, options);
  }
}

/**
 * The provider could not serve the call (down, 5xx, model missing, every allowed provider failed). Retryable.
 *
 * @example
 * throw new LlmProviderUnavailableError('ollama', 'connection refused', { cause: err });
 */
export class LlmProviderUnavailableError extends SwitchboardError {
  constructor(provider: string, reason: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('LLM.PROVIDER_UNAVAILABLE', 'third_party', `${provider} unavailable: ${reason}`, options);
  }
}

/**
 * The provider rejected the request itself (e.g. Bedrock ValidationException: prompt too long, bad schema).
 * Category `user`: sending the same request again cannot succeed.
 *
 * @example
 * throw new LlmRequestInvalidError('bedrock', 'input is too long', { cause: err });
 */
export class LlmRequestInvalidError extends SwitchboardError {
  constructor(provider: string, reason: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('LLM.REQUEST_INVALID', 'user', `${provider} rejected the request: ${reason}`, options);
  }
}

/**
 * The case's region does not allow the provider (or the region is unknown). Category `user`: never retried, never
 * falls back outside the region's allowed set.
 *
 * @example
 * if (err instanceof LlmRegionForbiddenError) escalate(caseId, err.message);
 */
export class LlmRegionForbiddenError extends SwitchboardError {
  constructor(region: string, reason: string, details?: Record<string, unknown>) {
    super('LLM.REGION_FORBIDDEN', 'user', `region "${region}": ${reason}`, { details: { region, ...details } });
  }
}

/**
 * The model emitted a tool call that could not be parsed or repaired, or named an unknown tool. Retryable: models
 * are not deterministic, and a fallback provider may do better.
 *
 * @example
 * throw new LlmToolCallInvalidError('ollama', 'arguments are not JSON', { raw });
 */
export class LlmToolCallInvalidError extends SwitchboardError {
  constructor(provider: string, reason: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LLM.TOOL_CALL_INVALID', 'third_party', `${provider} returned an invalid tool call: ${reason}`, { ...options, details });
  }
}

/**
 * Structured output still did not match the schema after the repair loop. Category `third_party`: the failure is the
 * model's output, not the caller's input, and one more attempt later (retry topic, bounded by the supervisor's budget)
 * can succeed; the supervisor escalates when the budget is spent.
 *
 * @example
 * try { await generateObject(llm, req, Schema, ctx); } catch (e) { if (e instanceof LlmOutputInvalidError) escalate(); }
 */
export class LlmOutputInvalidError extends SwitchboardError {
  constructor(attempts: number, issues: string[], lastOutput: string, options?: { cause?: unknown }) {
    super('LLM.OUTPUT_INVALID', 'third_party', `model output did not match the schema after ${attempts} attempt(s): ${issues.slice(0, 5).join('; ')}`, {
      ...options,
      details: { attempts, issues, lastOutput: lastOutput.slice(0, 2000) },
    });
  }
}
