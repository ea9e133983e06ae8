// Real: Kafka broker (kafkajs; agent.results read back with a raw client), the example agent as a Nest app.
// Doubles: none.
import type { INestApplication } from '@nestjs/common';
import { KafkaBus, uuidFromName } from '@switchboard/bus';
import { AgentResultSchema, EnvelopeSchema, type RetrievalTask, type TriageOutput } from '@switchboard/contracts';
import { collectTopic, randomCaseId, testBusConfig, uniqueName, waitFor } from '../../libs/bus/test/support/kit';
import { startFaqAgent } from './faq-agent';

jest.setTimeout(60_000);

describe('the FAQ agent example (real broker)', () => {
  const prefix = uniqueName('faq').replace(/\./g, '-');
  const supervisor = new KafkaBus(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), 'faq-int-spec');
  let agent: INestApplication;
  let results: Awaited<ReturnType<typeof collectTopic>>;

  beforeAll(async () => {
    agent = await startFaqAgent(testBusConfig({ KAFKA_TOPIC_PREFIX: prefix }), uniqueName('test.faq'));
    results = await collectTopic(`${prefix}.agent.results`);
  });
  afterAll(async () => {
    await results?.stop();
    await agent?.close();
    await supervisor.disconnect();
  });

  it('takes a retrieval task from its topic and answers on agent.results, as the supervisor expects', async () => {
    const caseId = randomCaseId();
    const triage: TriageOutput = {
      intent: 'dashboard_cache', priority: 'high', confidence: 0.97, entities: { amounts: [], ids: [], emails: [], days: [] },
      pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 'Blank dashboard', redactedBody: 'Our dashboard is blank since this morning.',
    };
    const task = supervisor.envelope('agent.retrieval.tasks', { taskId: 'retrieval-1', query: 'Blank dashboard since this morning', triage, limit: 5 } satisfies RetrievalTask, {
      caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: null,
    });
    await supervisor.publish('agent.retrieval.tasks', task);

    await waitFor(() => results.messages.length === 1, 'the agent\'s result');
    const [record] = results.messages;
    expect(record!.key!.toString()).toBe(caseId);
    const result = EnvelopeSchema(AgentResultSchema).parse(JSON.parse(record!.value!.toString()));
    expect(result).toMatchObject({ id: uuidFromName(`agent-result:${task.id}`), caseId, correlationId: caseId, causationId: task.id, type: 'agent.result' });
    expect(result.payload).toMatchObject({ agent: 'retrieval', taskId: 'retrieval-1', status: 'ok', output: { passages: [expect.objectContaining({ documentId: 'faq-dashboard', audience: 'customer' })] } });
  });
});
