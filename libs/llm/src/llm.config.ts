import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { ConfigError, env } from '@switchboard/observability';

const RoleModelsSchema = z.object({ default: z.string().min(1) }).catchall(z.string().min(1));

const BedrockProviderSchema = z.object({
  kind: z.literal('bedrock'),
  awsRegion: z.string().min(1),
  endpoint: z.url().optional(),
  models: RoleModelsSchema,
  embedModel: z.string().min(1).optional(),
  promptCaching: z.enum(['auto', 'on', 'off']).default('auto'),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  timeoutMs: z.number().int().positive().default(60_000),
});
const OllamaProviderSchema = z.object({
  kind: z.literal('ollama'),
  host: z.url(),
  models: RoleModelsSchema,
  embedModel: z.string().min(1).optional(),
  keepAlive: z.string().optional(),
  toolCallRetries: z.number().int().min(0).max(5).default(1),
  timeoutMs: z.number().int().positive().default(120_000),
});
const LlamaCppProviderSchema = z.object({
  kind: z.literal('llama-cpp'),
  modelPath: z.string().min(1).transform((p) => p.replace(/^~(?=\/)/, homedir())),
  modelName: z.string().min(1).optional(),
  contextSize: z.number().int().min(256).default(2048),
  threads: z.number().int().min(1).default(2),
  timeoutMs: z.number().int().positive().default(300_000),
});

/**
 * One provider instance: which vendor, where, and the model id per role.
 *
 * @example
 * ProviderConfigSchema.parse({ kind: 'ollama', host: 'http://127.0.0.1:11434', models: { default: 'qwen3:8b' } });
 */
export const ProviderConfigSchema = z.discriminatedUnion('kind', [BedrockProviderSchema, OllamaProviderSchema, LlamaCppProviderSchema]);
export type ProviderConfig = z.output<typeof ProviderConfigSchema>;

/**
 * What one region may use: providers in fallback order, the embedding provider, an optional shadow model.
 *
 * @example
 * RegionPolicySchema.parse({ providers: ['ollama-eu', 'local'], shadow: { provider: 'local', sampleRate: 0.1 } });
 */
export const RegionPolicySchema = z.object({
  providers: z.array(z.string().min(1)).min(1),
  /** Embeddings never fall back: vectors from another model would not match the index. Default: first provider. */
  embedProvider: z.string().min(1).optional(),
  shadow: z.object({ provider: z.string().min(1), sampleRate: z.number().min(0).max(1).default(1) }).optional(),
});
export type RegionPolicy = z.output<typeof RegionPolicySchema>;

const PriceSchema = z.object({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cacheReadPerMTok: z.number().nonnegative().optional(),
  cacheWritePerMTok: z.number().nonnegative().optional(),
});

/**
 * The LLM policy: provider instances, the region → allowed providers map, and prices (USD per million tokens, by
 * model id). Every region may only name configured providers, and a shadow provider must be in its region's set.
 *
 * @example
 * const policy = LlmPolicySchema.parse({
 *   providers: {
 *     'bedrock-us': { kind: 'bedrock', awsRegion: 'us-east-1', models: { default: 'anthropic.claude-3-5-haiku-20241022-v1:0' } },
 *     'ollama-eu': { kind: 'ollama', host: 'http://ollama.eu.internal:11434', models: { default: 'qwen3:8b' } },
 *     local: { kind: 'llama-cpp', modelPath: '~/.cache/switchboard/models/gemma-3-270m-q4_k_m.gguf' },
 *   },
 *   regions: { 'us-east-1': { providers: ['bedrock-us', 'ollama-eu'] }, 'eu-sovereign': { providers: ['ollama-eu', 'local'] } },
 * });
 */
export const LlmPolicySchema = z
  .object({
    providers: z.record(z.string().min(1), ProviderConfigSchema),
    regions: z.record(z.string().min(1), RegionPolicySchema),
    pricing: z.record(z.string().min(1), PriceSchema).default({}),
    /** Deadline of one port call (fallbacks included) when the caller gives none. */
    defaultTimeoutMs: z.number().int().positive().default(120_000),
  })
  .superRefine((policy, ctx) => {
    for (const [region, rp] of Object.entries(policy.regions)) {
      for (const [i, p] of rp.providers.entries()) {
        if (!policy.providers[p]) ctx.addIssue({ code: 'custom', path: ['regions', region, 'providers', i], message: `unknown provider "${p}"` });
      }
      if (rp.embedProvider && !rp.providers.includes(rp.embedProvider)) {
        ctx.addIssue({ code: 'custom', path: ['regions', region, 'embedProvider'], message: `"${rp.embedProvider}" is not among the region's providers` });
      }
      if (rp.shadow && !rp.providers.includes(rp.shadow.provider)) {
        ctx.addIssue({ code: 'custom', path: ['regions', region, 'shadow', 'provider'], message: `"${rp.shadow.provider}" is not among the region's providers` });
      }
    }
  });
export type LlmPolicy = z.output<typeof LlmPolicySchema>;

/**
 * The env fragment apps merge into their own config schema (STYLE.md §6). The policy comes from `LLM_POLICY_FILE`
 * (JSON or YAML) or from inline JSON in `LLM_PROVIDERS` + `LLM_REGIONS` (+ `LLM_PRICING`); inline values override the
 * file's. Turn it into a policy with {@link loadLlmPolicy}.
 *
 * @example
 * const AppConfig = z.object({ ...KafkaConfigSchema.shape, ...LlmConfigSchema.shape });
 * const config = loadConfigOrExit(AppConfig);
 * const llm = createLlm(loadLlmPolicy(config));
 */
export const LlmConfigSchema = z.object({
  LLM_POLICY_FILE: z.string().min(1).optional(),
  LLM_PROVIDERS: z.string().min(1).optional(),
  LLM_REGIONS: z.string().min(1).optional(),
  LLM_PRICING: z.string().min(1).optional(),
  LLM_TIMEOUT_MS: env.int(120_000),
  /**
   * This deployment serves a sovereign region: no provider outside it may be configured, so a policy naming a
   * Bedrock provider is refused at start-up (the region router already refuses such calls per case).
   */
  LLM_SOVEREIGN: env.bool(false),
});
export type LlmConfig = z.output<typeof LlmConfigSchema>;

/**
 * Reads and validates the policy named by an {@link LlmConfig}; throws `ConfigError` listing every problem.
 *
 * @example
 * const policy = loadLlmPolicy(loadConfig(LlmConfigSchema));
 */
export function loadLlmPolicy(config: LlmConfig): LlmPolicy {
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  if (config.LLM_POLICY_FILE) {
    try {
      const text = readFileSync(config.LLM_POLICY_FILE, 'utf8');
      raw = (config.LLM_POLICY_FILE.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) ?? {};
    } catch (error) {
      problems.push(`LLM_POLICY_FILE: cannot read ${config.LLM_POLICY_FILE}: ${(error as Error).message}`);
    }
  }
  const inline = (key: 'LLM_PROVIDERS' | 'LLM_REGIONS' | 'LLM_PRICING', field: string): void => {
    const value = config[key];
    if (!value) return;
    try {
      raw[field] = JSON.parse(value);
    } catch (error) {
      problems.push(`${key}: not JSON (${(error as Error).message})`);
    }
  };
  inline('LLM_PROVIDERS', 'providers');
  inline('LLM_REGIONS', 'regions');
  inline('LLM_PRICING', 'pricing');
  raw['defaultTimeoutMs'] ??= config.LLM_TIMEOUT_MS;
  if (problems.length) throw new ConfigError(problems);
  if (!raw['providers'] || !raw['regions']) throw new ConfigError(['LLM_POLICY_FILE or LLM_PROVIDERS + LLM_REGIONS: no LLM policy configured']);
  const result = LlmPolicySchema.safeParse(raw);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `llm policy ${i.path.join('.') || '(root)'}: ${i.message}`));
  if (config.LLM_SOVEREIGN) {
    const outside = Object.entries(result.data.providers).filter(([, p]) => p.kind === 'bedrock').map(([name]) => name);
    if (outside.length) {
      throw new ConfigError(outside.map((name) => `llm policy providers.${name}: Bedrock is not allowed in a sovereign deployment (LLM_SOVEREIGN=true); use ollama or llama-cpp`));
    }
  }
  return result.data;
}
