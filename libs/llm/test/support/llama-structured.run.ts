// Child-process half of llama-cpp.adapter.int-spec.ts: runs the real adapter (real inference on the GGUF) and prints
// one JSON line with the outcome. Run: node -r ./libs/llm/test/support/swc-register.js <this file> <modelPath>
import { z } from 'zod';
import { generateObject, LlamaCppAdapter, LlmCancelledError, LlmTimeoutError, type LlmCallContext } from '@switchboard/llm';

const Triage = z.object({
  intent: z.enum(['billing', 'bug', 'account', 'other']),
  urgent: z.boolean(),
  summary: z.string().max(80),
});

async function main(): Promise<void> {
  const modelPath = process.argv[2]!;
  const sut = new LlamaCppAdapter({ modelPath, contextSize: 1024, threads: 2 });
  const ctx: LlmCallContext = { caseId: 'case-local', region: 'eu-sovereign', agent: 'triage' };
  try {
    const structured = await generateObject(
      sut,
      {
        system: 'You classify customer support tickets. Answer in JSON.',
        messages: [{ role: 'user', content: 'Ticket: I was charged twice for my subscription this month, please refund one payment.' }],
        maxTokens: 96,
      },
      Triage,
      ctx,
    );
    const plain = await sut.chat({ messages: [{ role: 'user', content: 'Write one short sentence about the sea.' }], maxTokens: 16 }, ctx);
    const cancelled = new AbortController();
    setTimeout(() => cancelled.abort(), 50);
    const cancel = await sut
      .chat({ messages: [{ role: 'user', content: 'Count from one to one thousand.' }], maxTokens: 2000 }, ctx, { signal: cancelled.signal })
      .then(() => 'completed', (e: unknown) => (e instanceof LlmCancelledError ? 'cancelled' : `other: ${(e as Error).message}`));
    const timeout = await sut
      .chat({ messages: [{ role: 'user', content: 'Count from one to one thousand.' }], maxTokens: 2000 }, ctx, { timeoutMs: 100 })
      .then(() => 'completed', (e: unknown) => (e instanceof LlmTimeoutError ? 'timeout' : `other: ${(e as Error).message}`));
    // After a cancelled and a timed-out generation the sequence must still serve calls.
    const after = await sut.chat({ messages: [{ role: 'user', content: 'Say yes.' }], maxTokens: 4 }, ctx);
    const emb = await sut.embed(['refund request', 'login problem'], ctx);
    process.stdout.write(
      `RESULT ${JSON.stringify({
        structured: { value: structured.value, attempts: structured.attempts, usage: structured.usage, model: structured.model },
        plain: { text: plain.text, stopReason: plain.stopReason, usage: plain.usage },
        cancel,
        timeout,
        after: after.usage.outputTokens,
        embed: { count: emb.vectors.length, dims: emb.vectors[0]?.length, tokens: emb.usage.inputTokens },
      })}\n`,
    );
  } finally {
    await sut.close();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`ERROR ${JSON.stringify({ name: (error as Error).name, message: (error as Error).message, details: (error as { details?: unknown }).details })}\n`);
  process.exitCode = 1;
});
