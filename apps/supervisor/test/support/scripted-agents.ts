import { KafkaBus, BusConfigSchema, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import {
  retryTopic, type AgentName, type AgentResult, type Envelope, type ErrorInfo, type ResolverOutput, type RetrievalOutput, type TicketEvent,
  type TopicName, type TriageOutput, type Usage, type VerifierOutput,
} from '@switchboard/contracts';
import { primeGroupAtEnd } from '../../../../test/support/prime-group';

/** What a scripted agent answers to one task; `silent` never answers (step-timeout scenarios). */
export type AgentReply =
  | { status: 'ok'; output: unknown; usage?: Partial<Usage>; toolErrors?: number }
  | { status: 'failed'; error: ErrorInfo; usage?: Partial<Usage> }
  | { silent: true };

export interface ReceivedTask {
  agent: AgentName;
  topic: string;
  taskId: string;
  caseId: string;
  tenantId: string;
  envelopeId: string;
  attempt: number;
  payload: Record<string, unknown>;
}

/** Per-agent answer functions; `call` counts this agent's tasks for the case (1-based). */
export type Script = Partial<Record<AgentName, (task: ReceivedTask, call: number) => AgentReply>>;

const TASK_TOPICS: Record<string, AgentName> = {
  'agent.triage.tasks': 'triage', 'agent.retrieval.tasks': 'retrieval', 'agent.resolver.tasks': 'resolver', 'agent.verifier.tasks': 'verifier',
};

export const happy = {
  triage: (over: Partial<TriageOutput> = {}): AgentReply => ({
    status: 'ok',
    usage: { llmCalls: 1, inputTokens: 300, outputTokens: 80, costUsd: 0.001 },
    output: {
      intent: 'dashboard_cache', priority: 'normal', confidence: 0.99, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
      injectionRisk: 'none', summary: 'Dashboard blank since the flag change', redactedBody: 'Since the flag was switched on the dashboard is blank.', ...over,
    } satisfies TriageOutput,
  }),
  retrieval: (): AgentReply => ({
    status: 'ok',
    output: { passages: [{ chunkId: 'c1', documentId: 'runbook-cache', title: 'Dashboard cache', section: 'Flush', text: 'Flush the tenant cache.', score: 0.9, source: 'runbook', audience: 'internal' }] } satisfies RetrievalOutput,
  }),
  resolver: (over: Partial<ResolverOutput> = {}): AgentReply => ({
    status: 'ok',
    usage: { llmCalls: 3, inputTokens: 2000, outputTokens: 400, costUsd: 0.01 },
    output: {
      decision: 'resolved', summary: 'Flushed the dashboard cache', draftReply: 'We flushed your dashboard cache; please reload the page.',
      steps: [
        { kind: 'thought', at: new Date().toISOString(), text: 'The runbook says flush the cache.' },
        { kind: 'tool_call', at: new Date().toISOString(), tool: 'flush_cache', toolCallId: 'call_1', arguments: { tenantId: 't' } },
        { kind: 'observation', at: new Date().toISOString(), toolCallId: 'call_1', result: { flushed: true } },
      ],
      actions: [{ toolCallId: 'call_1', tool: 'flush_cache', arguments: { tenantId: 't' }, executed: true }],
      findings: ['cache was stale'], ...over,
    } satisfies ResolverOutput,
  }),
  verifier: (over: Partial<VerifierOutput> = {}): AgentReply => ({
    status: 'ok',
    output: { verified: true, evidence: [{ tool: 'get_cache_status', arguments: { tenantId: 't' }, expected: 'empty', observed: 'empty', passed: true, forAction: 'call_1' }], unsupportedClaims: [], ...over } satisfies VerifierOutput,
  }),
};

/** The full happy path: every agent answers ok. */
export const HAPPY: Script = { triage: () => happy.triage(), retrieval: () => happy.retrieval(), resolver: () => happy.resolver(), verifier: () => happy.verifier() };

/**
 * Named test double of the four agents on the real broker: consumes the agent task topics as its own consumer group
 * and answers each task with the scripted {@link AgentReply} of the task's tenant. Tasks of tenants without a script
 * are recorded and ignored. A tenant can be held: its answers queue until released (crash tests).
 */
export class ScriptedAgents {
  readonly received: ReceivedTask[] = [];
  private readonly scripts = new Map<string, Script>();
  private readonly held = new Map<string, Array<() => Promise<void>>>();
  private readonly calls = new Map<string, number>();
  private readonly bus: KafkaBus;
  private handle?: ConsumerHandle;

  constructor(private readonly brokers: string[], private readonly groupId: string) {
    this.bus = new KafkaBus(BusConfigSchema.parse({ KAFKA_BROKERS: brokers.join(',') }), 'scripted-agents');
  }

  async start(): Promise<void> {
    await this.bus.connect();
    await this.bus.ensureTopics();
    await primeGroup(this.brokers, this.groupId, Object.keys(TASK_TOPICS) as TopicName[]);
    this.handle = await this.bus.consume({
      groupId: this.groupId,
      topics: Object.keys(TASK_TOPICS) as Array<'agent.triage.tasks'>,
      partitionsConsumedConcurrently: 6,
      handler: (message) => this.onTask(message as unknown as IncomingMessage<string>),
    });
    await this.handle.ready;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    await this.bus.disconnect();
  }

  script(tenantId: string, script: Script): void {
    this.scripts.set(tenantId, script);
  }

  hold(tenantId: string): void {
    if (!this.held.has(tenantId)) this.held.set(tenantId, []);
  }

  /** Publishes every queued answer of the tenant (and keeps holding if `keepHolding`). */
  async release(tenantId: string, keepHolding = true): Promise<number> {
    const queue = this.held.get(tenantId) ?? [];
    if (keepHolding) this.held.set(tenantId, []);
    else this.held.delete(tenantId);
    for (const send of queue) await send();
    return queue.length;
  }

  pending(tenantId: string): number {
    return this.held.get(tenantId)?.length ?? 0;
  }

  tasks(caseId: string, agent?: AgentName): ReceivedTask[] {
    return this.received.filter((t) => t.caseId === caseId && (!agent || t.agent === agent));
  }

  /** Publishes a ticket on tickets.ingress (bare event, as any client would). */
  publishTicket(ticket: TicketEvent): Promise<void> {
    return this.bus.publishTicket(ticket);
  }

  get kafkaBus(): KafkaBus {
    return this.bus;
  }

  private async onTask(message: IncomingMessage<string>): Promise<void> {
    const agent = TASK_TOPICS[message.topic]!;
    const envelope = message.envelope as Envelope<Record<string, unknown>>;
    const task: ReceivedTask = {
      agent, topic: message.topic, taskId: String(envelope.payload.taskId), caseId: envelope.caseId, tenantId: envelope.tenantId,
      envelopeId: envelope.id, attempt: envelope.attempt, payload: envelope.payload,
    };
    this.received.push(task);
    const script = this.scripts.get(task.tenantId)?.[agent];
    if (!script) return;
    const key = `${task.caseId}:${agent}`;
    const call = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, call);
    const reply = script(task, call);
    if ('silent' in reply) return;
    const result = {
      agent, taskId: task.taskId, status: reply.status,
      usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, ...reply.usage },
      toolErrors: 'toolErrors' in reply ? (reply.toolErrors ?? 0) : 0,
      ...(reply.status === 'ok' ? { output: reply.output } : { error: reply.error }),
    } as AgentResult;
    const send = () => this.bus.publish('agent.results', this.bus.envelope('agent.results', result, {
      caseId: envelope.caseId, tenantId: envelope.tenantId, region: envelope.region, correlationId: envelope.correlationId, causationId: envelope.id,
    }));
    const queue = this.held.get(task.tenantId);
    if (queue) queue.push(send);
    else await send();
  }
}

/** Commits `groupId`'s offsets at the end of `topics` and their `.retry` topics: the group reads only what comes next. */
export function primeGroup(brokers: string[], groupId: string, topics: readonly string[]): Promise<void> {
  return primeGroupAtEnd(brokers, groupId, topics.flatMap((t) => [t, retryTopic(t)]));
}

/** Records every envelope published on output topics (outcomes, replies, notes) and task topics, by case. */
export class TopicRecorder {
  readonly messages: Array<{ topic: string; envelope: Envelope<Record<string, unknown>> }> = [];
  private readonly bus: KafkaBus;
  private handle?: ConsumerHandle;

  constructor(private readonly brokers: string[], private readonly groupId: string, private readonly topics: TopicName[]) {
    this.bus = new KafkaBus(BusConfigSchema.parse({ KAFKA_BROKERS: brokers.join(',') }), 'topic-recorder');
  }

  async start(): Promise<void> {
    await this.bus.connect();
    await this.bus.ensureTopics();
    await primeGroup(this.brokers, this.groupId, this.topics);
    this.handle = await this.bus.consume({
      groupId: this.groupId, topics: this.topics, partitionsConsumedConcurrently: 6,
      handler: async (m) => void this.messages.push({ topic: m.topic, envelope: m.envelope as Envelope<Record<string, unknown>> }),
    });
    await this.handle.ready;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    await this.bus.disconnect();
  }

  /** Distinct messages (by envelope id) of a case on a topic: the outbox relay is at-least-once, ids are stable. */
  distinct(caseId: string, topic: TopicName): Array<Record<string, unknown>> {
    const seen = new Map<string, Record<string, unknown>>();
    for (const m of this.messages) if (m.topic === topic && m.envelope.caseId === caseId) seen.set(m.envelope.id, m.envelope.payload);
    return [...seen.values()];
  }

  of(caseId: string, topic: TopicName): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.topic === topic && m.envelope.caseId === caseId).map((m) => m.envelope.payload);
  }

  /** Publishes a command as it is, with `headers` (e.g. a signature) beside the bus's own. */
  publishCommand(envelope: Envelope<unknown>, headers: Record<string, string> = {}): Promise<void> {
    return this.bus.publishRaw([{
      topic: 'supervisor.commands', key: envelope.caseId, value: JSON.stringify(envelope),
      headers: { 'message-id': envelope.id, type: envelope.type, ...headers },
    }]);
  }

  get kafkaBus(): KafkaBus {
    return this.bus;
  }
}

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
