import { RecordingBus } from '@switchboard/bus/testing';
import { decodeMessage, topicBinding } from '@switchboard/bus';
import type { AgentResult, Envelope, Passage } from '@switchboard/contracts';
import { AgentHandler, AgentWorker, type AgentStepResult, type TaskOf } from './agent-worker';
import { boundResult } from './result-limits';

const usage = { llmCalls: 2, inputTokens: 900, outputTokens: 300, costUsd: 0.01 };
const passage = (text: string): Passage => ({ chunkId: 'c1', documentId: 'kb.md', title: 'KB', section: 'S', text, score: 0.5, source: 'runbook', audience: 'internal' });

/** Named double: a retrieval step that returns whatever passages the test gives it. */
class ScriptedRetrieval extends AgentHandler<'retrieval'> {
  readonly agent = 'retrieval';
  constructor(private readonly passages: () => Passage[]) {
    super();
  }
  async handle(): Promise<AgentStepResult<'retrieval'>> {
    return { output: { passages: this.passages() }, usage };
  }
}

async function run(passages: () => Passage[], maxResultBytes: number): Promise<Envelope<AgentResult>[]> {
  const bus = new RecordingBus();
  const worker = new AgentWorker(bus, new ScriptedRetrieval(passages), { maxResultBytes });
  await bus.consume({ groupId: 'switchboard.retrieval', topics: ['agent.retrieval.tasks'], handler: (message) => worker.process(message) });
  const triage = { intent: 'how_to', priority: 'normal', confidence: 0.97, entities: { tenantId: 'globex', amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 's', redactedBody: 'b' };
  const task = { taskId: 't1', query: 'blank dashboard', limit: 5, triage } as TaskOf<'retrieval'>;
  await bus.deliver('agent.retrieval.tasks', bus.envelope('agent.retrieval.tasks', task, {
    caseId: 'case_0123456789abcdef01234567', tenantId: 'globex', region: 'us-east-1', correlationId: 'c', causationId: null,
  }));
  return bus.publishedTo<Envelope<AgentResult>>('agent.results');
}

describe('agent result limits (AGENT_MAX_RESULT_BYTES)', () => {
  it('publishes a result within the limit unchanged', async () => {
    const [reply] = await run(() => [passage('Clear the dashboard cache.')], 10_000);
    expect(reply!.payload).toMatchObject({ status: 'ok', output: { passages: [{ text: 'Clear the dashboard cache.' }] }, usage });
  });

  it('publishes a too-large result as a user-category failure with the reason and the usage spent, once', async () => {
    const replies = await run(() => [passage('x'.repeat(20_000))], 10_000);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.payload).toMatchObject({
      status: 'failed', usage,
      error: { code: 'AGENT.RESULT_TOO_LARGE', category: 'user', message: expect.stringMatching(/^the retrieval result is \d+ bytes, over the limit of 10000 \(AGENT_MAX_RESULT_BYTES\)/) },
    });
    expect(JSON.stringify(replies[0]).length).toBeLessThan(2_000);
  });

  it('replaces U+0000 and unpaired surrogates so the supervisor can store the result, and the bus decoder accepts it', async () => {
    const [reply] = await run(() => [passage('a\u0000b \uD83D c 😀')], 10_000);
    expect(reply!.payload).toMatchObject({ status: 'ok', output: { passages: [{ text: 'a\uFFFDb \uFFFD c 😀' }] } });
    const decoded = decodeMessage(topicBinding('agent.results'), Buffer.from(JSON.stringify(reply)), { topic: 'agent.results', partition: 0, offset: '1' }, 1_000_000);
    expect(decoded.ok).toBe(true);
  });

  it('turns a result nested deeper than the bus accepts, or a cyclic one, into a failure instead of a publish error', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { deep };
    const nested = { agent: 'verifier', taskId: 't', status: 'ok', usage, toolErrors: 0, output: { verified: true, evidence: [{ tool: 't', arguments: {}, expected: deep, observed: 1, passed: true }], unsupportedClaims: [] } } as AgentResult;
    expect(boundResult(nested, 1_000_000, 0)).toMatchObject({ changed: 'unserializable', result: { status: 'failed', error: { code: 'AGENT.RESULT_UNSERIALIZABLE', category: 'user', message: expect.stringContaining('nested deeper than 64') } } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const looped = { ...nested, output: { verified: true, evidence: [{ tool: 't', arguments: {}, expected: cyclic, observed: 1, passed: true }], unsupportedClaims: [] } } as AgentResult;
    expect(boundResult(looped, 1_000_000, 0).result).toMatchObject({ status: 'failed', error: { code: 'AGENT.RESULT_UNSERIALIZABLE' } });
  });
});
