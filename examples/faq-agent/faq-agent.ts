// A retrieval agent written as a Nest microservice controller (docs/agents.md, "Writing a new agent"): it answers
// every retrieval task from a fixed list of help-centre articles instead of the knowledge base.
import { Inject, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import { BusModule, KafkaBus, uuidFromName, type BusConfig, type IncomingMessage } from '@switchboard/bus';
import { BusClient, BusController, BusRecord, BusTransport, ContractMessagePipe, EventPattern, Payload, startBusTransport } from '@switchboard/bus-transport';
import type { Passage } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';

const article = (id: string, title: string, text: string): Passage =>
  ({ chunkId: `${id}#0`, documentId: id, title, section: title, text, score: 1, source: 'runbook', audience: 'customer' });

/** The articles it knows, each found by any of its keywords in the task's query. */
export const ARTICLES = [
  { keywords: ['blank', 'dashboard'], passage: article('faq-dashboard', 'A blank dashboard', 'Reload the page with Shift+F5; if it stays blank, clear the cache under Settings → Advanced.') },
  { keywords: ['seat', 'seats', 'invite'], passage: article('faq-seats', 'Seats', 'Each member uses one seat of your plan; add seats under Billing → Plan.') },
];

@BusController()
export class FaqAgentController {
  constructor(@Inject(BusClient) private readonly client: BusClient) {}

  @EventPattern('agent.retrieval.tasks')
  async onTask(@Payload(ContractMessagePipe) message: IncomingMessage<'agent.retrieval.tasks'>): Promise<void> {
    const { id, caseId, tenantId, region, correlationId, payload: task } = message.envelope;
    const words = new Set(task.query.toLowerCase().split(/[^\p{L}\p{N}]+/u));
    const passages = ARTICLES.filter((a) => a.keywords.some((k) => words.has(k))).map((a) => a.passage).slice(0, task.limit);
    const usage = { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    // One result id per task: the result of a redelivered task is a repeat the supervisor's ledger drops.
    const meta = { id: uuidFromName(`agent-result:${id}`), caseId, tenantId, region, correlationId, causationId: id };
    const result = { agent: 'retrieval', taskId: task.taskId, status: 'ok', output: { passages }, usage, toolErrors: 0 } as const;
    // Completes once Kafka has the result; an error goes back to the bus, which retries the task.
    await lastValueFrom(this.client.emit('agent.results', new BusRecord<'agent.results'>(result, meta)));
  }
}

/** The bus (topics on init, disconnect on shutdown), the transport serving the controller, the client. */
@Module({})
export class FaqAgentModule {
  static forRoot(config: BusConfig, groupId = 'switchboard.retrieval'): DynamicModule {
    return {
      module: FaqAgentModule,
      imports: [BusModule.forRoot(config, 'faq-agent', { topics: ['agent.retrieval.tasks', 'agent.results'] })],
      controllers: [FaqAgentController],
      providers: [{ provide: BusTransport, useFactory: (bus: KafkaBus) => new BusTransport(bus, { groupId }), inject: [KafkaBus] }, BusClient],
    };
  }
}

/** Starts the agent; it is consuming when this resolves. */
export async function startFaqAgent(config: BusConfig, groupId?: string): Promise<INestApplication> {
  const app = await NestFactory.create(FaqAgentModule.forRoot(config, groupId), { logger: new JsonLogger('nest') });
  await startBusTransport(app);
  return app;
}
