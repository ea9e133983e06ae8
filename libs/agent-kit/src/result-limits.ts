import { z } from 'zod';
import { unstorableProblem } from '@switchboard/bus';
import type { AgentResult, ErrorInfo } from '@switchboard/contracts';
import { env } from '@switchboard/observability';

/** Default of {@link AgentKitConfigSchema} AGENT_KEY_CONCURRENCY. */
export const DEFAULT_AGENT_KEY_CONCURRENCY = 4;

/**
 * Config fragment of every agent app (STYLE.md §6): the largest result an agent may publish.
 *
 * @example
 * export const TriageConfigSchema = BusConfigSchema.extend(AgentKitConfigSchema.shape).extend({ PORT: env.int(3102) });
 */
export const AgentKitConfigSchema = z.object({
  /**
   * Largest agent result, in bytes of its JSON envelope on `agent.results` (never above BUS_MAX_MESSAGE_BYTES). A larger
   * result is replaced by a failed one (AGENT.RESULT_TOO_LARGE, category user) that the supervisor handles without
   * re-running the step.
   */
  AGENT_MAX_RESULT_BYTES: env.int(256 * 1024),
  /**
   * How far past a task's deadline (the supervisor's step timeout, carried in the task) an agent still works it; later,
   * the task is skipped unworked: the supervisor has timed it out already and ignores its answer. The margin absorbs
   * clock differences between hosts (keep them NTP-synced). `-1` works every task, however late.
   */
  AGENT_TASK_DEADLINE_GRACE_MS: env.int(5_000),
  /**
   * Tasks of one partition's fetched batch the agent works at once, one per case at a time (the bus's
   * `keyConcurrency`; BUS_CONCURRENCY partitions are worked at once on top): a task waiting on the gateway, Postgres
   * or a model server no longer holds up the tasks of other cases behind it. `1` works them one after another. A repeat after a crash is as harmless as with 1 (the supervisor's ledger drops repeated
   * results; writes replay at the gateway). The in-process llama.cpp model still runs one call at a time.
   */
  AGENT_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(DEFAULT_AGENT_KEY_CONCURRENCY),
});
export type AgentKitConfig = z.infer<typeof AgentKitConfigSchema>;

/** Default of {@link AgentKitConfigSchema} AGENT_MAX_RESULT_BYTES. */
export const DEFAULT_MAX_RESULT_BYTES = 256 * 1024;

/** Default of {@link AgentKitConfigSchema} AGENT_TASK_DEADLINE_GRACE_MS. */
export const DEFAULT_DEADLINE_GRACE_MS = 5_000;

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be found
const UNSTORABLE_CHAR = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(UNSTORABLE_CHAR.source, 'g');

// Replaces U+0000 and unpaired surrogates, which Postgres cannot store (the supervisor keeps results in jsonb), with
// U+FFFD, as the gateway's audit does; the bus would otherwise dead-letter the whole result.
function storable(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD');
  if (value === null || typeof value !== 'object' || depth > 200) return value;
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(UNSTORABLE, '\uFFFD'), storable(v, depth + 1)]));
}

/** What {@link boundResult} decided: the result to publish (possibly replaced) and why it was changed, if it was. */
export interface BoundedResult {
  result: AgentResult;
  changed?: 'sanitized' | 'too_large' | 'unserializable';
  bytes?: number;
}

/**
 * Makes an agent result publishable: text the store cannot hold is replaced (U+FFFD), and a result whose JSON (with
 * `envelopeBytes` of envelope around it) exceeds `maxBytes`, or that cannot be published at all (nested deeper than
 * the bus accepts, a cycle), becomes a failed result with category `user` and the reason, keeping the usage already spent. Without
 * this a too-large result failed to publish, so the bus redelivered the task and the whole step ran again.
 *
 * @example
 * const { result } = boundResult(step, 256 * 1024, 600);
 * await bus.publish('agent.results', bus.envelope('agent.results', result, meta));
 */
export function boundResult(result: AgentResult, maxBytes: number, envelopeBytes: number): BoundedResult {
  let json: string;
  try {
    // Measured as the bus's decoder will see it: the result is the envelope's payload.
    const nesting = unstorableProblem({ payload: result }, false);
    if (nesting) throw new Error(`${nesting.path} ${nesting.message}`);
    json = JSON.stringify(result);
  } catch (error) {
    return { result: failed(result, { code: 'AGENT.RESULT_UNSERIALIZABLE', category: 'user', message: `the ${result.agent} result cannot be published: ${(error as Error).message}` }), changed: 'unserializable' };
  }
  let changed: BoundedResult['changed'];
  // Well-formed strings serialise without \u escapes except for control characters, so most results skip this.
  if (json.includes('\\u') && UNSTORABLE_CHAR.test(json.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))))) {
    result = storable(result, 0) as AgentResult;
    json = JSON.stringify(result);
    changed = 'sanitized';
  }
  const bytes = Buffer.byteLength(json, 'utf8') + envelopeBytes;
  if (bytes > maxBytes) {
    return {
      result: failed(result, {
        code: 'AGENT.RESULT_TOO_LARGE', category: 'user',
        message: `the ${result.agent} result is ${bytes} bytes, over the limit of ${maxBytes} (AGENT_MAX_RESULT_BYTES); the step's output must be smaller`,
      }),
      changed: 'too_large',
      bytes,
    };
  }
  return { result, ...(changed ? { changed } : {}), bytes };
}

function failed(result: AgentResult, error: ErrorInfo): AgentResult {
  return { agent: result.agent, taskId: result.taskId, status: 'failed', error, usage: result.usage, toolErrors: result.toolErrors } as AgentResult;
}
