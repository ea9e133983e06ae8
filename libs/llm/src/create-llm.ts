import { BedrockAdapter } from './adapters/bedrock.adapter';
import { LlamaCppAdapter } from './adapters/llama-cpp.adapter';
import { OllamaAdapter } from './adapters/ollama.adapter';
import type { ProviderAdapter } from './adapters/provider-adapter';
import type { LlmPolicy, ProviderConfig } from './llm.config';
import { PriceBook } from './pricing';
import { RegionRouter, type ShadowRecord } from './region-router';
import { UsageMeter } from './usage-meter';

/** Extra wiring for {@link createLlm}. */
export interface CreateLlmOptions {
  meter?: UsageMeter;
  onShadow?: (record: ShadowRecord) => void;
  /** Per-provider overrides of the built adapter (tests: static AWS credentials for a local Converse server). */
  bedrockCredentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Builds the region-routed `LlmPort` from a validated policy: one adapter per configured provider, sharing one price
 * book and one usage meter.
 *
 * @example
 * const meter = new UsageMeter();
 * const llm = createLlm(loadLlmPolicy(loadConfigOrExit(LlmConfigSchema)), { meter });
 * // Nest: { provide: LlmPort, useValue: llm }
 */
export function createLlm(policy: LlmPolicy, options: CreateLlmOptions = {}): RegionRouter {
  const prices = new PriceBook(policy.pricing);
  const adapters = Object.entries(policy.providers).map(([name, config]) => buildAdapter(name, config, prices, options));
  return new RegionRouter({
    regions: policy.regions,
    adapters,
    meter: options.meter ?? new UsageMeter(),
    defaultTimeoutMs: policy.defaultTimeoutMs,
    ...(options.onShadow ? { onShadow: options.onShadow } : {}),
  });
}

function buildAdapter(name: string, config: ProviderConfig, prices: PriceBook, options: CreateLlmOptions): ProviderAdapter {
  switch (config.kind) {
    case 'bedrock':
      return new BedrockAdapter({ name, ...config, prices, ...(options.bedrockCredentials ? { credentials: options.bedrockCredentials } : {}) });
    case 'ollama':
      return new OllamaAdapter({ name, ...config, prices });
    case 'llama-cpp':
      return new LlamaCppAdapter({ name, ...config, prices });
  }
}
