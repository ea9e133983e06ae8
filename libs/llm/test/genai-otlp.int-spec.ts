// An LLM call's GenAI span, exported over OTLP/HTTP to a collector this test starts.
// Real: initTracing's OTLP/HTTP exporter (JSON), createLlm → RegionRouter → OllamaAdapter over real HTTP. The exporter
// loads node:http with a dynamic import, which Jest's VM cannot run, so the call runs in a child `node`
// (support/genai-call.run.ts); the collector and the Ollama double run here.
// Doubles: FakeOllamaServer (Ollama's wire protocol on loopback, no model); the collector is a plain HTTP server
// that records every export request.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FakeOllamaServer } from '@switchboard/llm/testing';

const PROMPT = 'Customer jane@example.com says her API key sk-live-0123456789 stopped working';
const COMPLETION = 'Rotated the key for jane@example.com';

interface OtlpValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: OtlpValue[] } }
interface OtlpSpan { name: string; kind: number; attributes?: Array<{ key: string; value: OtlpValue }> }
interface OtlpExport { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }

function plain(v: OtlpValue): unknown {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
}
const attributesOf = (list: Array<{ key: string; value: OtlpValue }> = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

function runChild(otlpEndpoint: string, ollamaUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(__dirname, 'support', 'swc-register.js'), join(__dirname, 'support', 'genai-call.run.ts'), otlpEndpoint, ollamaUrl, PROMPT],
      { cwd: join(__dirname, '..', '..', '..'), timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('GenAI spans over OTLP/HTTP', () => {
  const exports: Array<{ contentType: string | undefined; raw: string }> = [];
  let collector: Server;
  let ollama: FakeOllamaServer;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') exports.push({ contentType: req.headers['content-type'], raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    ollama = await new FakeOllamaServer(4).start();
  });

  afterAll(async () => {
    await ollama?.stop();
    await new Promise((resolve) => collector?.close(resolve));
  });

  it('exports one CLIENT span per call with gen_ai.* attributes and no prompt or completion text', async () => {
    ollama.reply({ kind: 'message', content: COMPLETION, doneReason: 'stop', promptEvalCount: 42, evalCount: 9 });
    const { code, stdout, stderr } = await runChild(`http://127.0.0.1:${(collector.address() as AddressInfo).port}`, ollama.url);
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
    if (!line?.startsWith('RESULT ')) throw new Error(`child failed (exit ${code}):\n${stdout}\n${stderr}`);
    expect(JSON.parse(line.slice('RESULT '.length))).toEqual({ text: COMPLETION });
    expect(ollama.chatCalls()).toHaveLength(1);

    expect(exports.length).toBeGreaterThanOrEqual(1);
    expect(exports[0]!.contentType).toContain('application/json');
    const decoded = exports.map((e) => JSON.parse(e.raw) as OtlpExport);
    const resourceSpans = decoded.flatMap((d) => d.resourceSpans ?? []);
    expect(attributesOf(resourceSpans[0]!.resource?.attributes)).toMatchObject({ 'service.name': 'genai-otlp-spec' });
    const spans = resourceSpans.flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? []);
    const chat = spans.filter((s) => s.name === 'chat qwen3:1.7b');
    expect(chat).toHaveLength(1);
    expect(chat[0]!.kind).toBe(3); // OTLP SPAN_KIND_CLIENT
    expect(attributesOf(chat[0]!.attributes)).toEqual({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'ollama', 'gen_ai.system': 'ollama',
      'gen_ai.request.model': 'qwen3:1.7b', 'gen_ai.request.max_tokens': 64, 'gen_ai.response.model': 'qwen3:1.7b',
      'gen_ai.usage.input_tokens': 42, 'gen_ai.usage.output_tokens': 9, 'gen_ai.response.finish_reasons': ['stop'],
      'switchboard.llm.provider': 'ollama-eu', 'switchboard.agent': 'triage', 'switchboard.region': 'eu-west-1', 'switchboard.case_id': 'case_otlp_1',
    });
    for (const secret of ['jane@example.com', 'sk-live-0123456789', 'Rotated the key']) expect(exports.map((e) => e.raw).join('\n')).not.toContain(secret);
  });
});
