import { SwitchboardError } from '@switchboard/observability';
import { LlmCancelledError, LlmTimeoutError } from './llm.errors';
import type { LlmCallOptions } from './llm.port';

/**
 * Runs `fn` with one AbortSignal that fires on the caller's signal or on the deadline, and turns either into
 * `LLM.CANCELLED` / `LLM.TIMEOUT`. Races `fn` too, so a vendor call that ignores its signal cannot hold the caller.
 *
 * @example
 * return withDeadline('ollama', opts, 60_000, (signal) => client.chat(req, signal));
 */
export async function withDeadline<T>(
  provider: string,
  opts: LlmCallOptions | undefined,
  defaultTimeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs = opts?.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  let timedOut = false;
  const callerSignal = opts?.signal;
  if (callerSignal?.aborted) throw new LlmCancelledError(provider, { cause: callerSignal.reason });
  let rejectAbort!: (e: unknown) => void;
  const aborted = new Promise<never>((_, reject) => { rejectAbort = reject; });
  aborted.catch(() => undefined);
  const onCallerAbort = (): void => {
    controller.abort(callerSignal?.reason);
    rejectAbort(new LlmCancelledError(provider, { cause: callerSignal?.reason }));
  };
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
    rejectAbort(new LlmTimeoutError(provider, timeoutMs));
  }, timeoutMs);
  timer.unref?.();
  try {
    return await Promise.race([fn(controller.signal), aborted]);
  } catch (error) {
    if (error instanceof LlmTimeoutError || error instanceof LlmCancelledError) throw error;
    if (timedOut) throw new LlmTimeoutError(provider, timeoutMs, { cause: error });
    if (callerSignal?.aborted) throw new LlmCancelledError(provider, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

/** True for errors that end a call for good: the caller's choice or an invalid request/region. */
export function isFinal(error: unknown): boolean {
  return error instanceof SwitchboardError && error.category === 'user';
}
