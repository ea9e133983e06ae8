import { RecordingBus } from '@switchboard/bus/testing';
import type { AgentResult, Envelope, TriageOutput } from '@switchboard/contracts';
import { DependencyUnavailableError, SwitchboardError } from '@switchboard/observability';
import { AgentHandler, AgentStepError, AgentWorker, type AgentStepResult, type TaskOf } from './agent-worker';

const CASE_ID = 'case_0123456789abcdef01234567';
const triage: TriageOutput = {
  intent: 'how_to', priority: 'normal', confidence: 0.9, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
  injectionRisk: 'none', summary: 's', redactedBody: 'b',
};

/** Named double: a retrieval handler whose next step is whatever the test queues. */
class ScriptedRetrieval extends AgentHandler<'retrieval'> {
  readonly agent = 'retrieval' as const;
  readonly steps: Array<() => Promise<AgentStepResult<'retrieval'>>> = [];
  async handle(_task: TaskOf<'retrieval'>): Promise<AgentStepResult<'retrieval'>> {
    const step = this.steps.shift();
    if (!step) throw new Error('ScriptedRetrieval: unexpected call');
    return step();
  }
}

describe('AgentWorker', () => {
  const usage = { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  let bus: RecordingBus;
  let handler: ScriptedRetrieval;
  let sut: AgentWorker<'retrieval'>;
  const task = () => bus.envelope('agent.retrieval.tasks', { taskId: 't1', query: 'how do I invite someone', triage, limit: 5 }, {
    caseId: CASE_ID, tenantId: 'acme', region: 'us-east-1', correlationId: CASE_ID, causationId: null,
  });

  beforeEach(async () => {
    bus = new RecordingBus();
    handler = new ScriptedRetrieval();
    sut = new AgentWorker(bus, handler);
    // What the app's task controller does with each task the bus transport delivers.
    await bus.consume({ groupId: 'switchboard.retrieval', topics: ['agent.retrieval.tasks'], handler: (message) => sut.process(message) });
  });

  it('hands a dependency outage back to the bus instead of publishing a failed result, and answers the redelivery', async () => {
    const envelope = task();
    handler.steps.push(() => Promise.reject(new DependencyUnavailableError('postgres', 'connect ECONNREFUSED')));
    await expect(bus.deliver('agent.retrieval.tasks', envelope)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(bus.publishedTo('agent.results')).toHaveLength(0);

    handler.steps.push(async () => ({ output: { passages: [] }, usage }));
    await bus.deliver('agent.retrieval.tasks', envelope);
    expect(bus.publishedTo<Envelope<AgentResult>>('agent.results').map((e) => e.payload.status)).toEqual(['ok']);
  });

  it('recognises an outage wrapped by the handler (a pg error as the cause)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    handler.steps.push(() => Promise.reject(new SwitchboardError('MEMORY.SEARCH_FAILED', 'third_party', 'search failed', { cause: refused })));
    await expect(bus.deliver('agent.retrieval.tasks', task())).rejects.toThrow('search failed');
    expect(bus.publishedTo('agent.results')).toHaveLength(0);
  });

  it('turns any other failure into a failed result for the supervisor', async () => {
    handler.steps.push(() => Promise.reject(new SwitchboardError('MEMORY.BAD_QUERY', 'user', 'query too long')));
    await bus.deliver('agent.retrieval.tasks', task());
    const [result] = bus.publishedTo<Envelope<AgentResult>>('agent.results');
    expect(result!.payload).toMatchObject({ status: 'failed', error: { code: 'MEMORY.BAD_QUERY' } });
  });

  it('keeps the rule version of a guardrail\'s refusal in the failed result, and no other detail of the error', async () => {
    const refusal = new SwitchboardError('LLM.REGION_FORBIDDEN', 'user', 'region "eu-sovereign": provider "bedrock-us" is not allowed', {
      details: { region: 'eu-sovereign', caseId: 'case_1', provider: 'bedrock-us', ruleVersion: 'llm-regions:0123456789ab' },
    });
    handler.steps.push(() => Promise.reject(refusal));
    await bus.deliver('agent.retrieval.tasks', task());
    const [result] = bus.publishedTo<Envelope<AgentResult>>('agent.results');
    expect(result!.payload.error).toEqual({ code: 'LLM.REGION_FORBIDDEN', category: 'user', message: refusal.message, details: { ruleVersion: 'llm-regions:0123456789ab' } });
  });

  describe('a task past its deadline (load shedding)', () => {
    const late = (deadline: string | undefined) => bus.envelope('agent.retrieval.tasks', { taskId: 't2', query: 'how do I invite someone', triage, limit: 5, ...(deadline ? { deadline } : {}) }, {
      caseId: CASE_ID, tenantId: 'acme', region: 'us-east-1', correlationId: CASE_ID, causationId: null,
    });
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const ok = () => Promise.resolve({ output: { passages: [] }, usage });

    it('skips the work and publishes nothing once the deadline and the grace have passed: the supervisor no longer waits for it', async () => {
      await bus.deliver('agent.retrieval.tasks', late(ago(6_000)));
      expect(bus.publishedTo('agent.results')).toHaveLength(0);
    });

    it('works a task within the grace (hosts\' clocks differ a little), one without a deadline, and any task when shedding is off', async () => {
      handler.steps.push(ok, ok);
      await bus.deliver('agent.retrieval.tasks', late(ago(1_000)));
      await bus.deliver('agent.retrieval.tasks', late(undefined));
      expect(bus.publishedTo('agent.results')).toHaveLength(2);
      const lenient = new AgentWorker(bus, handler, { deadlineGraceMs: -1 });
      handler.steps.push(ok);
      await lenient.process({ topic: 'agent.retrieval.tasks', envelope: late(ago(3_600_000)), partition: 0, offset: '0', headers: {}, deliveryAttempt: 1 });
      expect(bus.publishedTo('agent.results')).toHaveLength(3);
    });
  });

  it('AgentStepError.wrap keeps code, category, message, the usage spent and a refusal\'s rule version, and no other detail', () => {
    const refusal = new SwitchboardError('LLM.REGION_FORBIDDEN', 'user', 'region "eu-sovereign": refused', { details: { caseId: CASE_ID, ruleVersion: 'llm-regions:0123456789ab' } });
    const spent = { ...usage, llmCalls: 2 };
    expect(AgentStepError.wrap(refusal, spent)).toMatchObject({ code: 'LLM.REGION_FORBIDDEN', category: 'user', message: refusal.message, usage: spent, details: { ruleVersion: 'llm-regions:0123456789ab' }, cause: refusal });
    expect(AgentStepError.wrap(refusal).details).toEqual({ ruleVersion: 'llm-regions:0123456789ab' });
    expect(AgentStepError.wrap(new Error('boom'))).toMatchObject({ code: 'INTERNAL', category: 'system', message: 'boom', usage: undefined, details: undefined });
  });
});
