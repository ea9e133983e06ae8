// Real: Kafka broker, the agent app as AgentRuntimeModule builds it (bus transport, worker, result publishing).
// Doubles: SlowRetrieval, a named handler that only waits and records how many tasks it works at once.
import type { INestApplication } from '@nestjs/common';
import { KafkaBus } from '@switchboard/bus';
import { envelopeFor, newMessageId, TOPICS, type TriageOutput } from '@switchboard/contracts';
import { AgentHandler, AgentRuntimeModule, startAgentApp, type AgentStepResult } from '@switchboard/agent-kit';
import { collectTopic, randomCaseId, testBusConfig, uniqueName, waitFor } from '../../bus/test/support/kit';

jest.setTimeout(90_000);

const triage: TriageOutput = {
  intent: 'how_to', priority: 'normal', confidence: 0.9, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
  injectionRisk: 'none', summary: 's', redactedBody: 'b',
};

/** Named double: a retrieval step that takes 300 ms and finds nothing; counts the tasks in flight. */
class SlowRetrieval extends AgentHandler<'retrieval'> {
  static inFlight = 0;
  static most = 0;
  static handled = 0;
  readonly agent = 'retrieval' as const;
  async handle(): Promise<AgentStepResult<'retrieval'>> {
    SlowRetrieval.most = Math.max(SlowRetrieval.most, ++SlowRetrieval.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 300));
    SlowRetrieval.inFlight--;
    SlowRetrieval.handled++;
    return { output: { passages: [] }, usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } };
  }
}

describe('agent app: AGENT_KEY_CONCURRENCY (real broker)', () => {
  const apps: INestApplication[] = [];
  const buses: KafkaBus[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await Promise.all(buses.splice(0).map((b) => b.disconnect()));
  });

  /** 12 tasks of 12 cases on the 6-partition task topic (so some partition holds two), then the agent starts. */
  async function run(keyConcurrency: number) {
    SlowRetrieval.inFlight = 0;
    SlowRetrieval.most = 0;
    SlowRetrieval.handled = 0;
    const prefix = uniqueName('kc');
    const config = testBusConfig({ KAFKA_TOPIC_PREFIX: prefix, BUS_CONCURRENCY: '1' }); // one partition at a time: what overlaps is keys
    const publisher = new KafkaBus(config, 'agent-kc-publisher');
    buses.push(publisher);
    await publisher.ensureTopics([TOPICS.retrievalTasks, TOPICS.agentResults]);
    for (let i = 0; i < 12; i++) {
      const caseId = randomCaseId();
      await publisher.publish(TOPICS.retrievalTasks, envelopeFor(TOPICS.retrievalTasks, { taskId: `task_${i}`, query: 'how do I invite someone', triage, limit: 5 }, {
        id: newMessageId(), caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: null,
      }));
    }
    const results = await collectTopic(publisher.topicName(TOPICS.agentResults));
    apps.push(await startAgentApp(AgentRuntimeModule.forRoot({
      agent: 'retrieval', handler: SlowRetrieval, groupId: uniqueName('test.agent-kc'), config: { ...config, AGENT_KEY_CONCURRENCY: keyConcurrency },
    }), 0));
    await waitFor(() => results.messages.length === 12, 'a result for each of the 12 tasks', 60_000);
    await results.stop();
    return { most: SlowRetrieval.most, handled: SlowRetrieval.handled };
  }

  it('works tasks of different cases at once, and answers each once', async () => {
    const { most, handled } = await run(4);
    expect(handled).toBe(12);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('works them one after another with 1', async () => {
    const { most, handled } = await run(1);
    expect(handled).toBe(12);
    expect(most).toBe(1);
  });
});
