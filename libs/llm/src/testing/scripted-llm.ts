import { LlmPort, type ChatRequest, type ChatResponse, type EmbedResponse, type LlmCallContext, type LlmCallOptions, type TokenUsage } from '../llm.port';
import { LlmCancelledError } from '../llm.errors';

/** What a script step may give: a (partial) response, a JSON value to return as text, or an error to throw. */
export type ScriptedReply = Partial<ChatResponse> | { json: unknown; usage?: Partial<TokenUsage> } | Error;
/** A queue of replies for one agent, or a function of the request. */
export type AgentScript = ScriptedReply[] | ((req: ChatRequest, ctx: LlmCallContext, call: number) => ScriptedReply);

/** Thrown by {@link ScriptedLlm} on a call its script did not expect (strict double). */
export class ScriptedLlmUnexpectedCallError extends Error {
  constructor(reason: string) {
    super(`ScriptedLlm: unexpected call — ${reason}`);
    this.name = 'ScriptedLlmUnexpectedCallError';
  }
}

/**
 * A named test double of `LlmPort`: scripted replies per agent, every call recorded, and any call the script does
 * not cover throws (strict). Use `assertDone()` at the end of a test to catch replies that were never asked for.
 *
 * @example
 * const llm = new ScriptedLlm({
 *   triage: [{ json: { intent: 'billing', priority: 2 } }],
 *   resolver: (req) => ({ toolCalls: [{ id: 'c1', name: 'refund', arguments: { orderId: 'A-1' } }], stopReason: 'tool_use' }),
 * });
 * const sut = new TriageService(llm);
 * await sut.handle(task);
 * expect(llm.calls).toHaveLength(1);
 * llm.assertDone();
 */
export class ScriptedLlm extends LlmPort {
  readonly calls: Array<{ kind: 'chat'; req: ChatRequest; ctx: LlmCallContext } | { kind: 'embed'; texts: string[]; ctx: LlmCallContext }> = [];
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly scripts: Record<string, AgentScript>,
    private readonly embedder?: (text: string) => number[],
  ) {
    super();
  }

  /** Calls of one agent, in order. */
  chatCallsOf(agent: string): ChatRequest[] {
    return this.calls.flatMap((c) => (c.kind === 'chat' && c.ctx.agent === agent ? [c.req] : []));
  }

  async chat(req: ChatRequest, ctx: LlmCallContext, opts?: LlmCallOptions): Promise<ChatResponse> {
    if (opts?.signal?.aborted) throw new LlmCancelledError('scripted');
    this.calls.push({ kind: 'chat', req: structuredClone(req), ctx });
    const script = this.scripts[ctx.agent];
    if (!script) throw new ScriptedLlmUnexpectedCallError(`no script for agent "${ctx.agent}"`);
    const n = this.counts.get(ctx.agent) ?? 0;
    this.counts.set(ctx.agent, n + 1);
    let reply: ScriptedReply;
    if (typeof script === 'function') reply = script(req, ctx, n);
    else {
      if (n >= script.length) throw new ScriptedLlmUnexpectedCallError(`agent "${ctx.agent}" made call #${n + 1} but only ${script.length} were scripted`);
      reply = script[n]!;
    }
    if (reply instanceof Error) throw reply;
    if ('json' in reply) {
      return this.response({ text: JSON.stringify(reply.json), usage: { inputTokens: 10, outputTokens: 10, costUsd: 0, ...reply.usage } });
    }
    return this.response(reply);
  }

  async embed(texts: string[], ctx: LlmCallContext): Promise<EmbedResponse> {
    this.calls.push({ kind: 'embed', texts: [...texts], ctx });
    if (!this.embedder) throw new ScriptedLlmUnexpectedCallError('embed() called but no embedder was scripted');
    return { vectors: texts.map(this.embedder), usage: { inputTokens: texts.length, outputTokens: 0, costUsd: 0 }, provider: 'scripted', model: 'scripted', latencyMs: 0 };
  }

  /** Throws if any queued reply was never consumed. */
  assertDone(): void {
    for (const [agent, script] of Object.entries(this.scripts)) {
      if (Array.isArray(script) && (this.counts.get(agent) ?? 0) < script.length) {
        throw new ScriptedLlmUnexpectedCallError(`agent "${agent}" used ${this.counts.get(agent) ?? 0} of ${script.length} scripted replies`);
      }
    }
  }

  private response(partial: Partial<ChatResponse>): ChatResponse {
    const toolCalls = partial.toolCalls ?? [];
    return {
      text: partial.text ?? '',
      toolCalls,
      stopReason: partial.stopReason ?? (toolCalls.length ? 'tool_use' : 'end_turn'),
      usage: partial.usage ?? { inputTokens: 10, outputTokens: 10, costUsd: 0 },
      provider: partial.provider ?? 'scripted',
      model: partial.model ?? 'scripted',
      latencyMs: partial.latencyMs ?? 0,
    };
  }
}
