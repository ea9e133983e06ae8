import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@switchboard/observability';
import { LlmConfigSchema, loadLlmPolicy } from './llm.config';

const providers = {
  'bedrock-us': { kind: 'bedrock', awsRegion: 'us-east-1', models: { default: 'anthropic.claude-3-5-haiku-20241022-v1:0', resolver: 'anthropic.claude-sonnet-4-20250514-v1:0' } },
  'ollama-eu': { kind: 'ollama', host: 'http://127.0.0.1:11434', models: { default: 'qwen3:8b' } },
  local: { kind: 'llama-cpp', modelPath: '~/models/gemma.gguf' },
};

describe('LLM config', () => {
  it('reads providers and regions from inline JSON env vars, with defaults filled in', () => {
    const config = loadConfig(LlmConfigSchema, {
      LLM_PROVIDERS: JSON.stringify(providers),
      LLM_REGIONS: JSON.stringify({ 'us-east-1': { providers: ['bedrock-us', 'ollama-eu'] }, 'eu-sovereign': { providers: ['ollama-eu', 'local'] } }),
      LLM_PRICING: JSON.stringify({ 'qwen3:8b': { inputPerMTok: 0, outputPerMTok: 0 } }),
    });

    const policy = loadLlmPolicy(config);

    expect(policy.providers['bedrock-us']).toMatchObject({ promptCaching: 'auto', maxAttempts: 3 });
    expect(policy.providers['local']).toMatchObject({ modelPath: expect.stringMatching(/^\/.*\/models\/gemma\.gguf$/), threads: 2 });
    expect(policy.regions['eu-sovereign']!.providers).toEqual(['ollama-eu', 'local']);
    expect(policy.defaultTimeoutMs).toBe(120_000);
  });

  it('refuses a Bedrock provider in a sovereign deployment, naming it', () => {
    const env = {
      LLM_PROVIDERS: JSON.stringify(providers),
      LLM_REGIONS: JSON.stringify({ 'eu-sovereign': { providers: ['ollama-eu', 'local'] }, 'us-east-1': { providers: ['bedrock-us'] } }),
    };
    expect(() => loadLlmPolicy(loadConfig(LlmConfigSchema, { ...env, LLM_SOVEREIGN: 'true' }))).toThrow(/providers\.bedrock-us: Bedrock is not allowed in a sovereign deployment/);
    expect(loadLlmPolicy(loadConfig(LlmConfigSchema, env)).providers['bedrock-us']).toBeDefined();
    const sovereignOnly = { LLM_PROVIDERS: JSON.stringify({ local: providers.local }), LLM_REGIONS: JSON.stringify({ 'eu-sovereign': { providers: ['local'] } }), LLM_SOVEREIGN: 'true' };
    expect(Object.keys(loadLlmPolicy(loadConfig(LlmConfigSchema, sovereignOnly)).providers)).toEqual(['local']);
  });

  it('reads a YAML policy file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'llm-policy-')), 'policy.yaml');
    writeFileSync(file, `providers:\n  ollama-eu: { kind: ollama, host: "http://127.0.0.1:11434", models: { default: "qwen3:8b" } }\nregions:\n  eu-sovereign: { providers: [ollama-eu] }\n`);

    const policy = loadLlmPolicy(loadConfig(LlmConfigSchema, { LLM_POLICY_FILE: file }));

    expect(Object.keys(policy.regions)).toEqual(['eu-sovereign']);
  });

  it('lists every policy problem: unknown providers and a shadow outside the region', () => {
    const config = loadConfig(LlmConfigSchema, {
      LLM_PROVIDERS: JSON.stringify(providers),
      LLM_REGIONS: JSON.stringify({ 'eu-sovereign': { providers: ['ollama-eu', 'ollama-typo'], shadow: { provider: 'bedrock-us' } } }),
    });

    const error = (() => { try { loadLlmPolicy(config); } catch (e) { return e; } })() as ConfigError;

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual([
      'llm policy regions.eu-sovereign.providers.1: unknown provider "ollama-typo"',
      'llm policy regions.eu-sovereign.shadow.provider: "bedrock-us" is not among the region\'s providers',
    ]);
  });

  it('refuses to start with no policy at all', () => {
    expect(() => loadLlmPolicy(loadConfig(LlmConfigSchema, {}))).toThrow(ConfigError);
  });
});
