// Real: createLlm → RegionRouter → BedrockAdapter / OllamaAdapter / LlamaCppAdapter, real HTTP.
// Doubles: FakeConverseServer and FakeOllamaServer on loopback; the llama.cpp provider points at a missing model
// file, so it fails for real (the "local provider fails" case).
import { configureLogging } from '@switchboard/observability';
import {
  createLlm,
  LlmPolicySchema,
  LlmRegionForbiddenError,
  shadowComparisons,
  UsageMeter,
  type LlmCallContext,
  type RegionRouter,
  type ShadowRecord,
} from '@switchboard/llm';
import { FAKE_AWS_CREDENTIALS, FakeConverseServer, FakeOllamaServer } from '@switchboard/llm/testing';

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const us: LlmCallContext = { caseId: 'case-us', region: 'us-east-1', agent: 'triage', tenantId: 't1' };
const eu: LlmCallContext = { caseId: 'case-eu', region: 'eu-sovereign', agent: 'triage', tenantId: 't2' };
const hello = { messages: [{ role: 'user' as const, content: 'My invoice is wrong' }] };

describe('Region routing', () => {
  let bedrock: FakeConverseServer;
  let ollama: FakeOllamaServer;
  let meter: UsageMeter;
  let shadows: ShadowRecord[];
  let logs: Array<Record<string, unknown>>;
  let sut: RegionRouter;

  const build = (regions: Record<string, unknown>): RegionRouter =>
    createLlm(
      LlmPolicySchema.parse({
        providers: {
          'bedrock-us': { kind: 'bedrock', awsRegion: 'us-east-1', endpoint: bedrock.url, models: { default: HAIKU }, maxAttempts: 1 },
          'ollama-eu': { kind: 'ollama', host: ollama.url, models: { default: 'qwen3:8b' }, embedModel: 'nomic-embed-text', toolCallRetries: 0 },
          local: { kind: 'llama-cpp', modelPath: '/nonexistent/model.gguf' },
        },
        regions,
        pricing: { [HAIKU]: { inputPerMTok: 0.8, outputPerMTok: 4 } },
      }),
      { meter, onShadow: (r) => shadows.push(r), bedrockCredentials: { ...FAKE_AWS_CREDENTIALS } },
    );

  beforeEach(async () => {
    bedrock = await new FakeConverseServer().start();
    ollama = await new FakeOllamaServer().start();
    meter = new UsageMeter();
    shadows = [];
    logs = [];
    configureLogging({ sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    sut = build({
      'us-east-1': { providers: ['bedrock-us', 'ollama-eu'] },
      'eu-sovereign': { providers: ['ollama-eu', 'local'] },
    });
  });
  afterEach(async () => {
    await sut.close();
    await Promise.all([bedrock.stop(), ollama.stop()]);
    configureLogging({ sink: (line) => process.stdout.write(`${line}\n`) });
  });

  it('routes a us-east-1 case to Bedrock and meters it per case and per agent', async () => {
    bedrock.reply({ kind: 'message', content: [{ text: 'billing' }], usage: { inputTokens: 1000, outputTokens: 100 } });

    const res = await sut.chat(hello, us);

    expect(res.provider).toBe('bedrock-us');
    expect(meter.forCase('case-us')).toEqual({ inputTokens: 1000, outputTokens: 100, costUsd: 0.0012, calls: 1 });
    expect(meter.forCaseAgent('case-us', 'triage').calls).toBe(1);
    expect(meter.forAgent('triage').costUsd).toBe(0.0012);
    expect(ollama.chatCalls()).toHaveLength(0);
  });

  it('falls back from a throttled Bedrock to Ollama within the us-east-1 set', async () => {
    bedrock.reply({ kind: 'throttle' });
    ollama.reply({ kind: 'message', content: 'billing' });

    const res = await sut.chat(hello, us);

    expect(res).toMatchObject({ provider: 'ollama-eu', text: 'billing' });
    expect(logs.some((l) => l['msg'] === 'llm provider failed; trying the next one allowed for the region' && l['code'] === 'LLM.THROTTLED')).toBe(true);
  });

  it('never reaches Bedrock for a sovereign case, even when every sovereign provider fails', async () => {
    ollama.reply({ kind: 'error', status: 503, error: 'server busy' });

    const error = await sut.chat(hello, eu).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'LLM.PROVIDER_UNAVAILABLE', details: { failures: [{ provider: 'ollama-eu' }, { provider: 'local' }] } });
    expect((error as Error).message).toContain('local: LLM.PROVIDER_UNAVAILABLE');
    expect(bedrock.requests).toHaveLength(0);
    expect(meter.forCase('case-eu').calls).toBe(0);
  });

  it('refuses and logs a sovereign call that asks for Bedrock by name', async () => {
    const error = await sut.chat(hello, eu, { provider: 'bedrock-us' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LlmRegionForbiddenError);
    expect(error).toMatchObject({ code: 'LLM.REGION_FORBIDDEN', category: 'user' });
    // The refusal names the version of the region rules that decided it (the supervisor's verdict ledger records it);
    // other region rules are another version.
    const version = (error as LlmRegionForbiddenError).details?.['ruleVersion'];
    expect(version).toMatch(/^llm-regions:[0-9a-f]{12}$/);
    expect(version).toBe(sut.regionsVersion);
    expect(build({ 'eu-sovereign': { providers: ['local'] } }).regionsVersion).not.toBe(version);
    expect(bedrock.requests).toHaveLength(0);
    expect(ollama.requests).toHaveLength(0);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'llm call refused: region policy forbids it', caseId: 'case-eu', region: 'eu-sovereign', provider: 'bedrock-us', allowed: ['ollama-eu', 'local'] }),
    );
  });

  it('refuses a case from a region with no policy, for chat and embeddings', async () => {
    const stray = { ...us, region: 'ap-south-1' };
    await expect(sut.chat(hello, stray)).rejects.toMatchObject({ code: 'LLM.REGION_FORBIDDEN' });
    await expect(sut.embed(['x'], stray)).rejects.toMatchObject({ code: 'LLM.REGION_FORBIDDEN' });
    expect(bedrock.requests).toHaveLength(0);
    expect(ollama.requests).toHaveLength(0);
  });

  it('embeds a sovereign case with the region embed provider only', async () => {
    const res = await sut.embed(['a', 'b'], eu);

    expect(res.provider).toBe('ollama-eu');
    expect(meter.forCase('case-eu').calls).toBe(1);
  });

  it('counts each shadow pair by agreement on decisions, per agent, model pair and the primary\'s intent (the model-comparison KPI)', async () => {
    await sut.close();
    sut = build({ 'us-east-1': { providers: ['bedrock-us', 'ollama-eu'], shadow: { provider: 'ollama-eu' } } });
    const count = async (outcome: string) => ((await shadowComparisons.get()).values.find((v) => v.labels.agent === 'triage' && v.labels.intent === 'refund' && v.labels.outcome === outcome)?.value ?? 0);
    const before = { agree: await count('agree'), disagree: await count('disagree') };
    // Same decision in other words: agree. Another intent: disagree.
    bedrock.reply({ kind: 'message', content: [{ text: '{"intent":"refund","priority":"normal","summary":"Customer wants money back"}' }] });
    ollama.reply({ kind: 'message', content: '```json\n{"intent": "refund", "priority": "normal", "summary": "Refund request for a duplicate charge"}\n```' });
    await sut.chat(hello, us);
    bedrock.reply({ kind: 'message', content: [{ text: '{"intent":"refund","priority":"normal","summary":"x"}' }] });
    ollama.reply({ kind: 'message', content: '{"intent":"how_to","priority":"normal","summary":"x"}' });
    await sut.chat(hello, us);
    await sut.flushShadows();

    expect(await count('agree')).toBe(before.agree + 1);
    expect(await count('disagree')).toBe(before.disagree + 1);
    expect((await shadowComparisons.get()).values.find((v) => v.labels.outcome === 'agree')!.labels).toMatchObject({ primary: `bedrock-us/${HAIKU}`, shadow: 'ollama-eu/qwen3:8b' });
  });

  it('runs a shadow model on the same prompt, records both answers, and returns the primary', async () => {
    await sut.close();
    sut = build({ 'us-east-1': { providers: ['bedrock-us', 'ollama-eu'], shadow: { provider: 'ollama-eu' } } });
    bedrock.reply({ kind: 'message', content: [{ text: 'primary answer' }] });
    ollama.reply({ kind: 'message', content: 'shadow answer' });

    const res = await sut.chat(hello, us);
    await sut.flushShadows();

    expect(res.text).toBe('primary answer');
    expect(shadows).toHaveLength(1);
    expect(shadows[0]).toMatchObject({ caseId: 'case-us', primary: { provider: 'bedrock-us', text: 'primary answer' }, shadow: { provider: 'ollama-eu', text: 'shadow answer' } });
    expect(ollama.chatCalls()[0]!['messages']).toEqual([{ role: 'user', content: 'My invoice is wrong' }]);
    expect(meter.forCase('case-us').calls).toBe(2);
  });

  it('applies the caller deadline to the whole fallback chain', async () => {
    bedrock.reply({ kind: 'slow', ms: 3_000, then: { kind: 'message', content: [{ text: 'late' }] } });
    const started = Date.now();

    await expect(sut.chat(hello, us, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'LLM.TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(ollama.chatCalls()).toHaveLength(0);
  });
});
