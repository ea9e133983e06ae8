import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { KafkaBus, uuidFromName } from '@switchboard/bus';
import { RecordingBus } from '@switchboard/bus/testing';
import { startBusTransport } from '@switchboard/bus-transport';
import type { AgentResult, Envelope, RetrievalTask, TriageOutput } from '@switchboard/contracts';
import { FaqAgentModule } from './faq-agent';

const ROOT = join(__dirname, '..', '..');
const SOURCE = readFileSync(join(__dirname, 'faq-agent.ts'), 'utf8');

describe('the FAQ agent example', () => {
  it('is the agent docs/agents.md shows, word for word, in at most 60 lines', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'agents.md'), 'utf8');
    const shown = /<!-- examples\/faq-agent\/faq-agent\.ts -->\n```ts\n([\s\S]*?)```\n/.exec(doc);
    expect(shown).not.toBeNull();
    expect(shown![1]).toBe(SOURCE);
    expect(SOURCE.trimEnd().split('\n').length).toBeLessThanOrEqual(60);
  });

  describe('answering tasks (RecordingBus)', () => {
    const caseId = 'case_0123456789abcdef01234567';
    const meta = { caseId, tenantId: 'acme', region: 'us-east-1', correlationId: caseId, causationId: null };
    const triage: TriageOutput = {
      intent: 'how_to', priority: 'normal', confidence: 0.9, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
      injectionRisk: 'none', summary: 's', redactedBody: 'b',
    };

    async function answer(query: string, limit = 5) {
      const bus = new RecordingBus();
      const moduleRef = await Test.createTestingModule({ imports: [FaqAgentModule.forRoot({} as never, 'switchboard.test')] }).overrideProvider(KafkaBus).useValue(bus).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await startBusTransport(app);
      const task = bus.envelope('agent.retrieval.tasks', { taskId: 't-1', query, triage, limit } satisfies RetrievalTask, meta);
      await bus.deliver('agent.retrieval.tasks', task);
      await app.close();
      return { task, results: bus.publishedTo<Envelope<AgentResult>>('agent.results') };
    }

    it('answers one result per task with the articles whose keywords the query names, caused by the task', async () => {
      const { task, results } = await answer('Blank DASHBOARD after login, and how do I invite a colleague?');
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ id: uuidFromName(`agent-result:${task.id}`), caseId, causationId: task.id, type: 'agent.result' });
      expect(results[0]!.payload).toMatchObject({ agent: 'retrieval', taskId: 't-1', status: 'ok' });
      expect((results[0]!.payload.output as { passages: Array<{ documentId: string }> }).passages.map((p) => p.documentId)).toEqual(['faq-dashboard', 'faq-seats']);
    });

    it('keeps to the task\'s limit, and answers no passages when no keyword matches', async () => {
      expect(((await answer('blank dashboard, more seats', 1)).results[0]!.payload.output as { passages: unknown[] }).passages).toHaveLength(1);
      expect(((await answer('my invoice is wrong')).results[0]!.payload.output as { passages: unknown[] }).passages).toEqual([]);
    });
  });
});
