import { Counter } from 'prom-client';
import { processMetrics } from '@switchboard/observability';
import { parseModelJson } from './json-repair';
import type { ChatRequest, ChatResponse } from './llm.port';

/** A shadow A/B pair: the primary answer the caller got and the shadow model's answer (or its error). */
export interface ShadowRecord {
  caseId: string;
  agent: string;
  region: string;
  request: ChatRequest;
  primary: Pick<ChatResponse, 'provider' | 'model' | 'text' | 'toolCalls' | 'stopReason' | 'usage' | 'latencyMs'>;
  shadow: Pick<ChatResponse, 'provider' | 'model' | 'text' | 'toolCalls' | 'stopReason' | 'usage' | 'latencyMs'> | { provider: string; error: { code: string; message: string } };
}

/** `agree`/`disagree`: the decisions compared; `error`: the shadow failed; `incomparable`: nothing decidable to compare. */
export type ShadowOutcome = 'agree' | 'disagree' | 'error' | 'incomparable';

/** What one primary/shadow pair says about a model swap. */
export interface ShadowComparison {
  outcome: ShadowOutcome;
  /** The primary's `intent` when its answer has one (triage): the comparison is kept per intent. */
  intent?: string;
  /** The decision fields that differ (empty when they agree). */
  differs: string[];
}

/**
 * Primary and shadow answers to the same prompt, per agent, primary/shadow model, the primary's intent and outcome:
 * the model-comparison KPI (agreement rate = agree / (agree + disagree)). Labels are bounded by configuration (agents,
 * models) and the intent taxonomy.
 */
export const shadowComparisons = new Counter({
  name: 'switchboard_llm_shadow_comparisons_total',
  help: 'Shadow A/B pairs of LLM answers by agent, primary and shadow model, primary intent and outcome (agree, disagree, error, incomparable)',
  labelNames: ['agent', 'primary', 'shadow', 'intent', 'outcome'], registers: [processMetrics],
});

/** A string this long is prose (a summary, a draft), not a decision: two models never word it alike. */
const FREE_TEXT_CHARS = 40;
/** Fields that are prose whatever their length. */
const PROSE = new Set(['summary', 'reason', 'reasoning', 'explanation', 'thought', 'draftReply', 'reply', 'note', 'message']);
const INTENT = /^[a-z][a-z0-9_-]{0,63}$/;

/** The answer as a JSON object (repaired as generateObject would), or undefined for prose and non-objects. */
function parseObject(text: string): Record<string, unknown> | undefined {
  const parsed = parseModelJson(text);
  return parsed.ok && parsed.value && typeof parsed.value === 'object' && !Array.isArray(parsed.value) ? (parsed.value as Record<string, unknown>) : undefined;
}

const decision = (v: unknown): boolean => !(typeof v === 'string' && v.length >= FREE_TEXT_CHARS);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares a shadow pair on decisions, not wording: both answers parsed as JSON objects, every field that is not
 * prose (`summary`, `reason`, … or any string of 40+ characters) must be equal; tool calls by name and arguments; otherwise
 * plain text must match exactly. Deterministic, no I/O.
 *
 * @example
 * compareShadow(record); // { outcome: 'disagree', intent: 'refund', differs: ['intent'] }
 */
export function compareShadow(record: ShadowRecord): ShadowComparison {
  if ('error' in record.shadow) return { outcome: 'error', differs: [] };
  const a = parseObject(record.primary.text);
  const b = parseObject(record.shadow.text);
  const intent = typeof a?.intent === 'string' && INTENT.test(a.intent) ? a.intent : undefined;
  const withIntent = (c: Omit<ShadowComparison, 'intent'>): ShadowComparison => (intent ? { ...c, intent } : c);
  if (a && b) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !PROSE.has(k) && decision(a[k]) && decision(b[k])).sort();
    if (keys.length === 0) return withIntent({ outcome: 'incomparable', differs: [] });
    const differs = keys.filter((k) => !same(a[k], b[k]));
    return withIntent({ outcome: differs.length ? 'disagree' : 'agree', differs });
  }
  const calls = (r: { toolCalls?: Array<{ name: string; arguments: unknown }> }) => (r.toolCalls ?? []).map((c) => [c.name, c.arguments]);
  const [callsA, callsB] = [calls(record.primary), calls(record.shadow)];
  if (callsA.length || callsB.length) return same(callsA, callsB) ? { outcome: 'agree', differs: [] } : { outcome: 'disagree', differs: ['toolCalls'] };
  const [textA, textB] = [record.primary.text.trim(), record.shadow.text.trim()];
  if (!textA || !textB) return { outcome: 'incomparable', differs: [] };
  return textA === textB ? { outcome: 'agree', differs: [] } : { outcome: 'disagree', differs: ['text'] };
}

/** Counts one pair in {@link shadowComparisons}; returns the comparison for the caller's log. */
export function recordShadowComparison(record: ShadowRecord): ShadowComparison {
  const c = compareShadow(record);
  const shadow = 'error' in record.shadow ? record.shadow.provider : `${record.shadow.provider}/${record.shadow.model}`;
  shadowComparisons.inc({ agent: record.agent, primary: `${record.primary.provider}/${record.primary.model}`, shadow, intent: c.intent ?? '', outcome: c.outcome });
  return c;
}
