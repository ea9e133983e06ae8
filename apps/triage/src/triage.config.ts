import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { DEFAULT_INTENTS } from '@switchboard/contracts';
import { LlmConfigSchema } from '@switchboard/llm';
import { MemoryConfigSchema } from '@switchboard/memory';
import { env } from '@switchboard/observability';
import { installPath } from './paths';

/** `provider-or-kind=weight` pairs, e.g. `llama-cpp=0.5,ollama-eu=1.2,*=1.5`. */
const modelWeights = (fallback: string) => z.string().default(fallback).transform((value, ctx) => {
  const weights: Record<string, number> = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_.*-]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(pair);
    if (!m) ctx.addIssue({ code: 'custom', message: `"${pair}" is not <provider or kind>=<weight ≥ 0>` });
    else weights[m[1]!] = Number(m[2]);
  }
  return weights;
});

export const TriageConfigSchema = BusConfigSchema.extend(LlmConfigSchema.shape).extend({
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
  TRIAGE_NEIGHBOURS: z.coerce.number().int().min(1).max(20).default(3),
  /**
   * Reliability of the model's intent vote next to the examples signals (1 each), by provider name or kind
   * (`llama-cpp`, `ollama`, `bedrock`), `*` for the rest. The shipped 270M local model is right about 3 times in 4 on the
   * labelled set, so it only breaks ties; a capable model outvotes one dissenting examples signal.
   */
  TRIAGE_MODEL_WEIGHT: modelWeights('llama-cpp=0.5,*=1.5'),
  /** Directory of the local sentence-embedding model (`scripts/fetch-embeddings`), loaded once at start-up. */
  MEMORY_EMBEDDINGS_DIR: MemoryConfigSchema.shape.MEMORY_EMBEDDINGS_DIR,
});
export type TriageConfig = z.infer<typeof TriageConfigSchema>;
export const TRIAGE_CONFIG = 'TRIAGE_CONFIG';

/**
 * The weight of the model's vote for the provider that answered: by provider name, then by its kind, then `*`.
 *
 * @example
 * modelWeightFor({ 'llama-cpp': 0.5, '*': 1.5 }, 'local', { local: 'llama-cpp' }); // 0.5
 */
export function modelWeightFor(weights: Record<string, number>, provider: string, kinds: Record<string, string>): number {
  const kind = kinds[provider];
  return weights[provider] ?? (kind !== undefined ? weights[kind] : undefined) ?? weights['*'] ?? 1;
}
