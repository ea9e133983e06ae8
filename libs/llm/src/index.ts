export * from './llm.port';
export * from './llm.errors';
export { generateObject, type GenerateObjectResult } from './generate-object';
export { parseModelJson } from './json-repair';
export { withDeadline } from './call-deadline';
export { PriceBook, type ModelPrice } from './pricing';
export { UsageMeter, type UsageRecord, type UsageTotals } from './usage-meter';
export {
  LlmConfigSchema,
  LlmPolicySchema,
  ProviderConfigSchema,
  RegionPolicySchema,
  loadLlmPolicy,
  type LlmConfig,
  type LlmPolicy,
  type ProviderConfig,
  type RegionPolicy,
} from './llm.config';
export { RegionRouter, type RegionRouterOptions, type RoutedCallOptions, type ShadowRecord } from './region-router';
export { createLlm, type CreateLlmOptions } from './create-llm';
export { compareShadow, recordShadowComparison, shadowComparisons, type ShadowComparison, type ShadowOutcome } from './shadow-comparison';
export { ProviderAdapter, type ProviderKind, type RoleModels } from './adapters/provider-adapter';
export { BedrockAdapter, type BedrockAdapterOptions } from './adapters/bedrock.adapter';
export { OllamaAdapter, type OllamaAdapterOptions } from './adapters/ollama.adapter';
export { LlamaCppAdapter, toGbnfSchema, type LlamaCppAdapterOptions } from './adapters/llama-cpp.adapter';
export { genAiAttributes, inGenAiSpan, type GenAiOperation } from './genai-span';
