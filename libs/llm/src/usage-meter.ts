import { addUsage, ZERO_USAGE, type TokenUsage } from './llm.port';

/**
 * One metered call. `shadow` marks a shadow A/B call: it costs money, so it is counted, but the caller never saw it.
 */
export interface UsageRecord {
  caseId: string;
  agent: string;
  region: string;
  tenantId?: string;
  provider: string;
  model: string;
  kind: 'chat' | 'embed';
  usage: TokenUsage;
  latencyMs: number;
  shadow?: boolean;
  at: string;
}

/** Totals over a set of calls. */
export interface UsageTotals extends TokenUsage {
  calls: number;
}

/**
 * Accounting for every LLM call: keeps per-case and per-agent totals in memory and forwards each record to
 * listeners (metrics, the agent's result for the supervisor's budget). Per-case totals are bounded: the oldest
 * cases are dropped past `maxCases`, and `forgetCase` drops one when it ends.
 *
 * @example
 * const meter = new UsageMeter();
 * meter.onRecord((r) => metrics.llmCost.inc({ agent: r.agent }, r.usage.costUsd));
 * const llm = createLlm(config, { meter });
 * // after the step: result.llmUsage = meter.forCase(caseId);
 */
export class UsageMeter {
  private readonly cases = new Map<string, UsageTotals>();
  private readonly caseAgents = new Map<string, Map<string, UsageTotals>>();
  private readonly agents = new Map<string, UsageTotals>();
  private readonly listeners: Array<(record: UsageRecord) => void> = [];

  constructor(private readonly maxCases = 10_000) {}

  /** Registers a listener called synchronously for every record; a throwing listener does not break the call. */
  onRecord(listener: (record: UsageRecord) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  record(record: UsageRecord): void {
    const caseTotal = add(this.cases.get(record.caseId), record.usage);
    this.cases.delete(record.caseId); // re-insert keeps Map order = recency, for eviction
    this.cases.set(record.caseId, caseTotal);
    const perAgent = this.caseAgents.get(record.caseId) ?? new Map<string, UsageTotals>();
    perAgent.set(record.agent, add(perAgent.get(record.agent), record.usage));
    this.caseAgents.set(record.caseId, perAgent);
    this.agents.set(record.agent, add(this.agents.get(record.agent), record.usage));
    while (this.cases.size > this.maxCases) {
      const oldest = this.cases.keys().next().value as string;
      this.forgetCase(oldest);
    }
    for (const listener of this.listeners) {
      try { listener(record); } catch { /* accounting must never fail the LLM call */ }
    }
  }

  /** Totals of one case (all agents); zero when unknown. */
  forCase(caseId: string): UsageTotals {
    return this.cases.get(caseId) ?? { ...ZERO_USAGE, calls: 0 };
  }

  /** Totals of one agent within one case. */
  forCaseAgent(caseId: string, agent: string): UsageTotals {
    return this.caseAgents.get(caseId)?.get(agent) ?? { ...ZERO_USAGE, calls: 0 };
  }

  /** Totals of one agent across all cases since process start. */
  forAgent(agent: string): UsageTotals {
    return this.agents.get(agent) ?? { ...ZERO_USAGE, calls: 0 };
  }

  /** Drops a finished case's totals. */
  forgetCase(caseId: string): void {
    this.cases.delete(caseId);
    this.caseAgents.delete(caseId);
  }
}

function add(total: UsageTotals | undefined, usage: TokenUsage): UsageTotals {
  const base = total ?? { ...ZERO_USAGE, calls: 0 };
  return { ...addUsage(base, usage), calls: base.calls + 1 };
}
