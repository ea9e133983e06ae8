import { z } from 'zod';
import { AgentKitConfigSchema } from '@switchboard/agent-kit';
import { BusConfigSchema } from '@switchboard/bus';
import { DEFAULT_INTENTS } from '@switchboard/contracts';
import { LlmConfigSchema } from '@switchboard/llm';
import { DEFAULT_ENCODER_DIR } from '@switchboard/memory';
import { env, MetricsConfigSchema } from '@switchboard/observability';
import { installPath } from './paths';

/** `provider-or-kind=probability` pairs, e.g. `llama-cpp=0.3,ollama-eu=0.8,*=0.9`. */
const reliabilities = (fallback: string) => z.string().default(fallback).transform((value, ctx) => {
  const out: Record<string, number> = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_.*-]+)\s*=\s*(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(pair);
    if (!m) ctx.addIssue({ code: 'custom', message: `"${pair}" is not <provider or kind>=<probability between 0 and 1>` });
    else out[m[1]!] = Number(m[2]);
  }
  return out;
});

export const TriageConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(AgentKitConfigSchema.shape).extend(LlmConfigSchema.shape).extend({
  PORT: env.int(3102),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Consumer group of this agent's task topic (default `switchboard.<agent>`); every replica shares it. */
  AGENT_GROUP_ID: z.string().min(1).optional(),
  /** Intent taxonomy offered to the model; `other` is always added. Every intent needs labelled examples. */
  TRIAGE_INTENTS: env.list(DEFAULT_INTENTS.join(',')),
  TRIAGE_MAX_REPAIRS: env.int(2),
  /** Labelled example tickets per intent (YAML); the shipped file covers the default taxonomy in en, fr, de and es. */
  TRIAGE_EXAMPLES_FILE: z.string().min(1).default(() => installPath('data', 'triage', 'examples.yaml')),
  /** Nearest labelled examples that vote on a ticket's intent, per signal (embedding, character n-grams). */
  TRIAGE_NEIGHBOURS: z.coerce.number().int().min(1).max(20).default(5),
  /**
   * How often the model's intent is right (0–1), by provider name or kind (`llama-cpp`, `ollama`, `bedrock`), `*` for
   * the rest; its vote counts accordingly next to the examples vote. The shipped 270M base model adds nothing the
   * examples it is shown do not already say: on the labelled set it is right 26% of the time alone and 7% of the time
   * when it disagrees with the examples (npm run eval:triage), so `llama-cpp` is trusted at chance over the default
   * eight intents (0.125), where its vote moves nothing. Measure a capable model with `--model policy` and set its value.
   */
  TRIAGE_MODEL_RELIABILITY: reliabilities('llama-cpp=0.125,*=0.9'),
  /**
   * Directory of the multilingual sentence encoder the labelled examples are embedded with (`scripts/fetch-encoder`:
   * Universal Sentence Encoder multilingual v3), loaded once at start-up.
   */
  TRIAGE_ENCODER_DIR: z.string().min(1).default(DEFAULT_ENCODER_DIR),
});
export type TriageConfig = z.infer<typeof TriageConfigSchema>;
export const TRIAGE_CONFIG = 'TRIAGE_CONFIG';

/**
 * The reliability of the provider that answered: by provider name, then by its kind, then `*`.
 *
 * @example
 * modelReliabilityFor({ 'llama-cpp': 0.3, '*': 0.9 }, 'local', { local: 'llama-cpp' }); // 0.3
 */
export function modelReliabilityFor(reliability: Record<string, number>, provider: string, kinds: Record<string, string>): number {
  const kind = kinds[provider];
  return reliability[provider] ?? (kind !== undefined ? reliability[kind] : undefined) ?? reliability['*'] ?? 0.5;
}
