/** Which path a failure takes: `user` input is never retried, `system` and `third_party` failures are. */
export type ErrorCategory = 'user' | 'system' | 'third_party';

/**
 * Base class of every Switchboard error: a stable machine `code` (e.g. `LLM.OUTPUT_INVALID`), a `category` that
 * decides retry vs dead-letter, and the original error kept as `cause`.
 *
 * @example
 * export class ToolNotFoundError extends SwitchboardError {
 *   constructor(tool: string) { super('GATEWAY.TOOL_NOT_FOUND', 'user', `unknown tool "${tool}"`); }
 * }
 */
export class SwitchboardError extends Error {
  constructor(
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }

  readonly details?: Record<string, unknown>;

  /** A JSON-safe shape for logs, dead-letter entries and API error bodies. */
  toJSON(): { code: string; category: ErrorCategory; message: string; details?: Record<string, unknown> } {
    return { code: this.code, category: this.category, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/**
 * Classifies any thrown value. Unknown errors count as `system` (retryable): a bug must not silently
 * discard a message, and the retry budget still ends in the dead-letter topic.
 *
 * @example
 * const { category } = describeError(err); // 'user' → DLQ now, otherwise retry
 */
export function describeError(error: unknown): { code: string; category: ErrorCategory; message: string; details?: { ruleVersion: string } } {
  if (error instanceof SwitchboardError) {
    // A guardrail's refusal names the version of the rule that decided it, and that travels with the error (into an
    // agent's failed result, so the supervisor's verdict ledger can record it). It is the only detail that does:
    // others may hold case data.
    const ruleVersion = error.details?.['ruleVersion'];
    return { code: error.code, category: error.category, message: error.message, ...(typeof ruleVersion === 'string' ? { details: { ruleVersion } } : {}) };
  }
  if (error instanceof Error) return { code: 'INTERNAL', category: 'system', message: error.message };
  return { code: 'INTERNAL', category: 'system', message: String(error) };
}
