// Child-process half of genai-otlp.int-spec.ts: one LLM call through createLlm → RegionRouter → OllamaAdapter with
// the real OTLP/HTTP trace exporter (it loads node:http with a dynamic import, which Jest's VM cannot run).
// Run: node -r ./libs/llm/test/support/swc-register.js <this file> <otlpEndpoint> <ollamaUrl> <prompt>
import { initTracing, shutdownTracing } from '@switchboard/observability';
import { createLlm, LlmPolicySchema } from '@switchboard/llm';

async function main(): Promise<void> {
  const [otlpEndpoint, ollamaUrl, prompt] = process.argv.slice(2) as [string, string, string];
  initTracing({ serviceName: 'genai-otlp-spec', otlpEndpoint });
  const llm = createLlm(LlmPolicySchema.parse({
    providers: { 'ollama-eu': { kind: 'ollama', host: ollamaUrl, models: { default: 'qwen3:8b', triage: 'qwen3:1.7b' }, toolCallRetries: 0 } },
    regions: { 'eu-west-1': { providers: ['ollama-eu'] } },
  }));
  const res = await llm.chat({ system: prompt, messages: [{ role: 'user', content: prompt }], maxTokens: 64 }, { caseId: 'case_otlp_1', region: 'eu-west-1', agent: 'triage', tenantId: 'acme' });
  // Shutting the provider down flushes the batch processor: the export request reaches the collector before exit.
  await shutdownTracing();
  await llm.close();
  process.stdout.write(`RESULT ${JSON.stringify({ text: res.text })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`ERROR ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
