import { createHash } from 'node:crypto';
import { canonicalJson } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { isFinal, withDeadline } from './call-deadline';
import { inGenAiSpan } from './genai-span';
import { LlmProviderUnavailableError, LlmRegionForbiddenError } from './llm.errors';
import { LlmPort, type ChatRequest, type ChatResponse, type EmbedResponse, type LlmCallContext, type LlmCallOptions } from './llm.port';
import type { RegionPolicy } from './llm.config';
import type { ProviderAdapter } from './adapters/provider-adapter';
import { recordShadowComparison, type ShadowRecord } from './shadow-comparison';
import { UsageMeter } from './usage-meter';

/** Router call options: the port's, plus an optional preferred provider (still checked against the region). */
export interface RoutedCallOptions extends LlmCallOptions {
  provider?: string;
}

export type { ShadowRecord };

/** Options of {@link RegionRouter}. */
export interface RegionRouterOptions {
  regions: Record<string, RegionPolicy>;
  adapters: ProviderAdapter[];
  meter?: UsageMeter;
  defaultTimeoutMs?: number;
  onShadow?: (record: ShadowRecord) => void;
  random?: () => number;
}

/**
 * The `LlmPort` apps use. The case's region (`ctx.region`) decides which providers may see its data; calls go to the
 * region's providers in order, falling back only within that set on retryable failures (throttling, timeouts,
 * outages, invalid tool calls). A call for an unknown region or for a provider outside the set is refused with
 * `LLM.REGION_FORBIDDEN` and logged. Every answered call is metered; an optional shadow model answers the same prompt
 * in the background and both answers go to `onShadow`.
 *
 * @example
 * const router = new RegionRouter({ regions: policy.regions, adapters, meter });
 * const res = await router.chat(req, { caseId, region: 'eu-sovereign', agent: 'triage' });
 */
export class RegionRouter extends LlmPort {
  private readonly logger = new JsonLogger(RegionRouter.name);
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly pendingShadows = new Set<Promise<void>>();
  readonly meter: UsageMeter;

  /**
   * The version of the region rules this router enforces: `llm-regions:` and the first 12 hex digits of the SHA-256 of
   * the regions' canonical JSON. A refusal carries it, so the supervisor's verdict ledger names the rule as it was.
   */
  readonly regionsVersion: string;

  constructor(private readonly options: RegionRouterOptions) {
    super();
    this.regionsVersion = `llm-regions:${createHash('sha256').update(canonicalJson(options.regions)).digest('hex').slice(0, 12)}`;
    for (const a of options.adapters) this.adapters.set(a.name, a);
    this.meter = options.meter ?? new UsageMeter();
  }

  /** The providers a region may use, in fallback order (empty for an unknown region). */
  allowedProviders(region: string): string[] {
    return [...(this.options.regions[region]?.providers ?? [])];
  }

  async chat(req: ChatRequest, ctx: LlmCallContext, opts?: RoutedCallOptions): Promise<ChatResponse> {
    const chain = this.chain(ctx, opts?.provider, 'chat');
    const res = await withDeadline(`region:${ctx.region}`, opts, this.options.defaultTimeoutMs ?? 120_000, async (signal) => {
      const failures: Array<{ provider: string; code: string; message: string }> = [];
      let last: unknown;
      for (const adapter of chain) {
        try {
          return await inGenAiSpan('chat', adapter, ctx, req, () => adapter.chat(req, ctx, { signal }));
        } catch (error) {
          if (isFinal(error) || signal.aborted) throw error;
          last = error;
          const e = error as { code?: string; message?: string };
          failures.push({ provider: adapter.name, code: e.code ?? 'INTERNAL', message: e.message ?? String(error) });
          this.logger.warn('llm provider failed; trying the next one allowed for the region', { caseId: ctx.caseId, region: ctx.region, agent: ctx.agent, provider: adapter.name, code: e.code });
        }
      }
      if (failures.length === 1) throw last;
      throw new LlmProviderUnavailableError(`region:${ctx.region}`, `every allowed provider failed (${failures.map((f) => `${f.provider}: ${f.code}`).join(', ')})`, {
        cause: last,
        details: { failures },
      });
    });
    this.meter.record({ caseId: ctx.caseId, agent: ctx.agent, region: ctx.region, ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}), provider: res.provider, model: res.model, kind: 'chat', usage: res.usage, latencyMs: res.latencyMs, at: new Date().toISOString() });
    this.maybeShadow(req, ctx, res);
    return res;
  }

  async embed(texts: string[], ctx: LlmCallContext, opts?: RoutedCallOptions): Promise<EmbedResponse> {
    const [adapter] = this.chain(ctx, opts?.provider, 'embed');
    const res = await withDeadline(`region:${ctx.region}`, opts, this.options.defaultTimeoutMs ?? 120_000, (signal) => inGenAiSpan('embeddings', adapter!, ctx, undefined, () => adapter!.embed(texts, ctx, { signal })));
    this.meter.record({ caseId: ctx.caseId, agent: ctx.agent, region: ctx.region, ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}), provider: res.provider, model: res.model, kind: 'embed', usage: res.usage, latencyMs: res.latencyMs, at: new Date().toISOString() });
    return res;
  }

  /** Resolves when every shadow call started so far has been recorded (tests, graceful shutdown). */
  async flushShadows(): Promise<void> {
    while (this.pendingShadows.size) await Promise.all([...this.pendingShadows]);
  }

  async close(): Promise<void> {
    await this.flushShadows();
    await Promise.all([...this.adapters.values()].map((a) => a.close()));
  }

  private chain(ctx: LlmCallContext, preferred: string | undefined, kind: 'chat' | 'embed'): ProviderAdapter[] {
    const policy = this.options.regions[ctx.region];
    if (!policy) this.refuse(ctx, preferred, 'no LLM policy for this region; refusing to send case data anywhere');
    const allowed = policy!.providers;
    if (preferred !== undefined && !allowed.includes(preferred)) this.refuse(ctx, preferred, `provider "${preferred}" is not allowed (allowed: ${allowed.join(', ')})`);
    let names: string[];
    if (kind === 'embed') names = [preferred ?? policy!.embedProvider ?? allowed[0]!];
    else names = preferred ? [preferred, ...allowed.filter((p) => p !== preferred)] : allowed;
    return names.map((n) => {
      const adapter = this.adapters.get(n);
      if (!adapter) throw new LlmProviderUnavailableError(n, 'provider is in the region policy but no adapter was built for it');
      return adapter;
    });
  }

  private refuse(ctx: LlmCallContext, provider: string | undefined, reason: string): never {
    const allowed = this.allowedProviders(ctx.region);
    this.logger.error('llm call refused: region policy forbids it', { caseId: ctx.caseId, region: ctx.region, agent: ctx.agent, provider, allowed, reason, ruleVersion: this.regionsVersion });
    throw new LlmRegionForbiddenError(ctx.region, reason, { caseId: ctx.caseId, provider, allowed, ruleVersion: this.regionsVersion });
  }

  private maybeShadow(req: ChatRequest, ctx: LlmCallContext, primary: ChatResponse): void {
    const shadow = this.options.regions[ctx.region]?.shadow;
    if (!shadow || (this.options.random ?? Math.random)() >= shadow.sampleRate) return;
    // Checked again here although config validation already enforces it: a shadow is still case data leaving.
    if (!this.allowedProviders(ctx.region).includes(shadow.provider)) {
      this.logger.error('llm shadow call refused: region policy forbids it', { caseId: ctx.caseId, region: ctx.region, provider: shadow.provider });
      return;
    }
    const adapter = this.adapters.get(shadow.provider);
    if (!adapter) return;
    const pick = (r: ChatResponse) => ({ provider: r.provider, model: r.model, text: r.text, toolCalls: r.toolCalls, stopReason: r.stopReason, usage: r.usage, latencyMs: r.latencyMs });
    const run = (async () => {
      let record: ShadowRecord;
      try {
        const res = await inGenAiSpan('chat', adapter, ctx, req, () => adapter.chat(req, ctx, { timeoutMs: this.options.defaultTimeoutMs ?? 120_000 }));
        this.meter.record({ caseId: ctx.caseId, agent: ctx.agent, region: ctx.region, provider: res.provider, model: res.model, kind: 'chat', usage: res.usage, latencyMs: res.latencyMs, shadow: true, at: new Date().toISOString() });
        record = { caseId: ctx.caseId, agent: ctx.agent, region: ctx.region, request: req, primary: pick(primary), shadow: pick(res) };
      } catch (error) {
        const e = error as { code?: string; message?: string };
        record = { caseId: ctx.caseId, agent: ctx.agent, region: ctx.region, request: req, primary: pick(primary), shadow: { provider: adapter.name, error: { code: e.code ?? 'INTERNAL', message: e.message ?? String(error) } } };
      }
      const comparison = recordShadowComparison(record);
      try {
        this.options.onShadow?.(record);
      } catch (error) {
        this.logger.warn('shadow listener failed', { error });
      }
      this.logger.info('llm shadow compared', { caseId: ctx.caseId, agent: ctx.agent, primary: `${primary.provider}/${primary.model}`, shadow: record.shadow.provider, outcome: comparison.outcome, differs: comparison.differs, intent: comparison.intent });
    })();
    this.pendingShadows.add(run);
    void run.finally(() => this.pendingShadows.delete(run));
  }
}

