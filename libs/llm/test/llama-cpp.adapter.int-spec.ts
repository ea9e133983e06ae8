// Real: LlamaCppAdapter, node-llama-cpp's prebuilt CPU binary, the Gemma 3 270M GGUF from scripts/fetch-model, and
// grammar-constrained decoding. No doubles. node-llama-cpp is ESM with top-level await and cannot load inside Jest's
// VM, so the adapter runs in a child `node` (support/llama-structured.run.ts) and this spec checks what it printed.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { requireLocalModel } from './support/local-model';

const ROOT = join(__dirname, '..', '..', '..');
const Triage = z.object({ intent: z.enum(['billing', 'bug', 'account', 'other']), urgent: z.boolean(), summary: z.string().max(80) });

function runChild(modelPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(__dirname, 'support', 'swc-register.js'), join(__dirname, 'support', 'llama-structured.run.ts'), modelPath],
      { cwd: ROOT, timeout: 240_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('LlamaCppAdapter running the shipped GGUF in-process', () => {
  jest.setTimeout(260_000);

  it('returns schema-valid JSON from grammar-constrained decoding, reports tokens, honours cancel/timeout, embeds', async () => {
    const modelPath = requireLocalModel();

    const { code, stdout, stderr } = await runChild(modelPath);

    const line = stdout.split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
    if (!line?.startsWith('RESULT ')) throw new Error(`child failed (exit ${code}):\n${stdout}\n${stderr}`);
    const result = JSON.parse(line.slice('RESULT '.length));
    expect(code).toBe(0);
    expect(Triage.safeParse(result.structured.value).success).toBe(true);
    expect(result.structured.model).toBe('gemma-3-270m-q4_k_m.gguf');
    expect(result.structured.usage.inputTokens).toBeGreaterThan(10);
    expect(result.structured.usage.outputTokens).toBeGreaterThan(5);
    expect(result.plain.usage.outputTokens).toBeGreaterThan(0);
    expect(result.plain.text.length).toBeGreaterThan(0);
    expect(result.cancel).toBe('cancelled');
    expect(result.timeout).toBe('timeout');
    expect(result.after).toBeGreaterThan(0);
    expect(result.embed).toMatchObject({ count: 2, dims: 640 });
  });
});
