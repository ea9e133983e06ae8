// Local model throughput: prompt (prefill) and generation tokens/s of the shipped GGUF on this CPU, measured
// through node-llama-cpp directly (baseline) and through LlamaCppAdapter with a JSON-schema grammar (what a
// sovereign region runs), with the ratio between them.
// Run: scripts/fetch-model && node -r ./libs/llm/test/support/swc-register.js test/bench/llm-local.bench.ts
import { loadavg } from 'node:os';
import { z } from 'zod';
import { generateObject, LlamaCppAdapter } from '@switchboard/llm';
import { requireLocalModel } from '../../libs/llm/test/support/local-model';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROMPT = `Ticket: ${'My invoice for March shows the premium plan twice and I was charged two times on my card. '.repeat(12)}Summarise the problem.`;

async function baseline(modelPath: string): Promise<{ promptTps: number; genTps: number; promptTokens: number; genTokens: number }> {
  const lib = await import('node-llama-cpp');
  const llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.error, maxThreads: THREADS });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 2048, threads: THREADS });
  const sequence = context.getSequence();
  const completion = new lib.LlamaCompletion({ contextSequence: sequence });
  let promptTokens = 0, promptMs = 0, genTokens = 0, genMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    await sequence.clearHistory();
    const t0 = performance.now();
    let first = 0;
    const before = sequence.tokenMeter.getState();
    // Time to the first generated token ≈ prefill time; the rest is decoding.
    await completion.generateCompletion(PROMPT, { maxTokens: 64, temperature: 0, onToken: () => { if (!first) first = performance.now(); } });
    const end = performance.now();
    const used = sequence.tokenMeter.diff(before);
    promptTokens += used.usedInputTokens; promptMs += first - t0;
    genTokens += used.usedOutputTokens - 1; genMs += end - first;
  }
  await llama.dispose();
  return { promptTps: (promptTokens / promptMs) * 1000, genTps: (genTokens / genMs) * 1000, promptTokens: promptTokens / ROUNDS, genTokens: genTokens / ROUNDS };
}

async function throughAdapter(modelPath: string): Promise<{ tps: number; outputTokens: number; inputTokens: number; ms: number }> {
  const sut = new LlamaCppAdapter({ modelPath, threads: THREADS, contextSize: 2048 });
  const Schema = z.object({ intent: z.enum(['billing', 'bug', 'account', 'other']), urgent: z.boolean(), summary: z.string().max(120) });
  const ctx = { caseId: 'bench', region: 'eu-sovereign', agent: 'triage' };
  await sut.warmUp();
  let out = 0, inp = 0, ms = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const res = await generateObject(sut, { system: 'Classify the ticket as JSON.', messages: [{ role: 'user', content: PROMPT }], maxTokens: 64 }, Schema, ctx, { maxRepairs: 0 });
    ms += performance.now() - t0;
    out += res.usage.outputTokens; inp += res.usage.inputTokens;
  }
  await sut.close();
  return { tps: (out / ms) * 1000, outputTokens: out / ROUNDS, inputTokens: inp / ROUNDS, ms: ms / ROUNDS };
}

async function main(): Promise<void> {
  const modelPath = requireLocalModel();
  const base = await baseline(modelPath);
  const adapter = await throughAdapter(modelPath);
  const rows = [
    ['baseline prompt (prefill) tokens/s', base.promptTps.toFixed(1), `${base.promptTokens.toFixed(0)} prompt tokens`],
    ['baseline generation tokens/s', base.genTps.toFixed(1), `${base.genTokens.toFixed(0)} generated tokens`],
    ['adapter structured output, output tokens/s (end to end)', adapter.tps.toFixed(1), `${adapter.inputTokens.toFixed(0)} in / ${adapter.outputTokens.toFixed(0)} out, ${adapter.ms.toFixed(0)} ms per call`],
    ['ratio adapter+grammar / baseline generation', (adapter.tps / base.genTps).toFixed(2), 'end-to-end incl. prefill and grammar'],
  ];
  process.stdout.write(`llm-local bench: gemma-3-270m-q4_k_m, CPU, ${THREADS} threads, ${ROUNDS} rounds, load average ${loadavg()[0]!.toFixed(2)}\n`);
  for (const [name, value, note] of rows) process.stdout.write(`${name!.padEnd(58)} ${value!.padStart(8)}   ${note}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
