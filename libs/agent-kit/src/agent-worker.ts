import {
  TOPICS, type AgentName, type AgentResult, type ErrorInfo, type PayloadOf, type Usage,
} from '@switchboard/contracts';
import { describeError, isDependencyUnavailable, JsonLogger, SwitchboardError } from '@switchboard/observability';
import type { Envelope } from '@switchboard/contracts';
import { uuidFromName, type IncomingMessage, type KafkaBus } from '@switchboard/bus';
import { boundResult, DEFAULT_DEADLINE_GRACE_MS, DEFAULT_MAX_RESULT_BYTES } from './result-limits';

/**
 * The task topic each agent consumes.
 *
 * @example
 * AGENT_TASK_TOPICS.triage; // 'agent.triage.tasks'
 */
export const AGENT_TASK_TOPICS = {
  triage: TOPICS.triageTasks,
  retrieval: TOPICS.retrievalTasks,
  resolver: TOPICS.resolverTasks,
  verifier: TOPICS.verifierTasks,
} as const;
export type TaskTopic<A extends AgentName> = (typeof AGENT_TASK_TOPICS)[A];
export type TaskOf<A extends AgentName> = PayloadOf<TaskTopic<A>>;
export type OutputOf<A extends AgentName> = NonNullable<Extract<AgentResult, { agent: A }>['output']>;

/** What an agent step returns; failures are thrown as {@link SwitchboardError}s and become failed results. */
export interface AgentStepResult<A extends AgentName> {
  output: OutputOf<A>;
  usage: Usage;
  toolErrors?: number;
}

/** The case a task belongs to, for LLM routing (region), accounting and logs. */
export interface AgentTaskContext {
  caseId: string;
  tenantId: string;
  region: string;
  correlationId: string;
  attempt: number;
}

/**
 * One agent's logic: gets a validated task, returns its output. The worker owns Kafka; the handler owns nothing
 * but its ports (STYLE.md §2).
 *
 * @example
 * class TriageService extends AgentHandler<'triage'> { readonly agent = 'triage'; async handle(task, ctx) { … } }
 */
export abstract class AgentHandler<A extends AgentName> {
  abstract readonly agent: A;
  abstract handle(task: TaskOf<A>, ctx: AgentTaskContext): Promise<AgentStepResult<A>>;
}

/** Marks an error as carrying usage already spent (so a failed step still counts against the case budget). */
export class AgentStepError extends SwitchboardError {
  constructor(code: string, category: 'user' | 'system' | 'third_party', message: string, readonly usage?: Usage, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, category, message, options);
  }

  /**
   * Any failure of a step as an AgentStepError with the usage spent so far: the same code, category and message, and
   * the rule version a guardrail's refusal names (the one detail `describeError` passes on).
   *
   * @example
   * catch (error) { throw AgentStepError.wrap(error, state.usage); }
   */
  static wrap(error: unknown, usage?: Usage): AgentStepError {
    const info = describeError(error);
    return new AgentStepError(info.code, info.category, info.message, usage, { cause: error, ...(info.details ? { details: info.details } : {}) });
  }
}

const ZERO_USAGE: Usage = { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
// Upper bound of an agent.results envelope around its payload (ids, type, tenant, region, times), for the size limit.
const ENVELOPE_BYTES = 1_024;

/**
 * Runs one agent step per task delivery and publishes exactly one {@link AgentResult} per delivery to
 * `agent.results`; the app's task controller (AgentRuntimeModule) hands it each task the bus transport delivers.
 * Handler failures become `status: 'failed'` results (the supervisor decides on retries), except a dependency
 * outage (the gateway or Postgres unreachable, see `isDependencyUnavailable`): that is thrown back to the bus, which
 * pauses the partition and runs the same task again once the dependency answers, so an outage does not use up the
 * case's attempts. A failure to publish the result is thrown back too.
 *
 * @example
 * const worker = new AgentWorker(bus, triageService);
 * await worker.process(message); // an IncomingMessage<'agent.triage.tasks'>
 */
export class AgentWorker<A extends AgentName> {
  private readonly logger: JsonLogger;
  /** Task envelopes this process already answered: the outbox relay may re-send one after a supervisor crash. */
  private readonly answered = new Set<string>();
  private static readonly ANSWERED_MAX = 10_000;

  constructor(
    private readonly bus: KafkaBus,
    private readonly handler: AgentHandler<A>,
    private readonly options: { /** See AGENT_MAX_RESULT_BYTES. */ maxResultBytes?: number; /** See AGENT_TASK_DEADLINE_GRACE_MS. */ deadlineGraceMs?: number } = {},
  ) {
    this.logger = new JsonLogger(`${handler.agent}-worker`);
  }

  async process(message: IncomingMessage<TaskTopic<A>>): Promise<void> {
    const envelope = message.envelope as Envelope<TaskOf<A>>;
    const task = envelope.payload as TaskOf<A> & { taskId: string };
    if (this.answered.has(envelope.id)) {
      this.logger.info('duplicate task delivery skipped', { taskId: task.taskId });
      return;
    }
    const deadline = task.deadline;
    const grace = this.options.deadlineGraceMs ?? DEFAULT_DEADLINE_GRACE_MS;
    if (deadline !== undefined && grace >= 0 && Date.now() > Date.parse(deadline) + grace) {
      // Load shedding: the supervisor stopped waiting for this answer and has moved on (dispatched the step again, or
      // escalated); working it now would only delay the tasks still wanted. Nothing is published, the offset commits.
      this.logger.info('task past its deadline skipped unworked', { taskId: task.taskId, deadline, lateMs: Date.now() - Date.parse(deadline) });
      return;
    }
    const ctx: AgentTaskContext = {
      caseId: envelope.caseId, tenantId: envelope.tenantId, region: envelope.region, correlationId: envelope.correlationId, attempt: envelope.attempt,
    };
    const started = Date.now();
    let result: AgentResult;
    try {
      const step = await this.handler.handle(task, ctx);
      result = { agent: this.handler.agent, taskId: task.taskId, status: 'ok', output: step.output, usage: step.usage, toolErrors: step.toolErrors ?? 0 } as AgentResult;
    } catch (error) {
      const info: ErrorInfo = describeError(error);
      if (isDependencyUnavailable(error)) {
        // Nothing is wrong with the task: the bus holds it and runs it again when the dependency is back. Writes
        // already made replay at the gateway (same call references), so the re-run repeats none.
        this.logger.warn('agent step interrupted by a dependency outage; the task will run again', { taskId: task.taskId, error: info });
        throw error;
      }
      this.logger.warn('agent step failed', { taskId: task.taskId, error: info });
      const usage = error instanceof AgentStepError && error.usage ? error.usage : ZERO_USAGE;
      result = { agent: this.handler.agent, taskId: task.taskId, status: 'failed', error: info, usage, toolErrors: 0 } as AgentResult;
    }
    const bounded = boundResult(result, this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, ENVELOPE_BYTES);
    if (bounded.changed) this.logger.warn('agent result changed before publishing', { taskId: task.taskId, change: bounded.changed, bytes: bounded.bytes, error: bounded.result.error });
    result = bounded.result;
    const reply = {
      ...this.bus.envelope(TOPICS.agentResults, result, {
        caseId: envelope.caseId, tenantId: envelope.tenantId, region: envelope.region, correlationId: envelope.correlationId, causationId: envelope.id,
      }),
      // One id per task delivery, so a result published twice (redelivery, another replica) is one to the supervisor's ledger.
      id: uuidFromName(`agent-result:${envelope.id}`),
    };
    await this.bus.publish(TOPICS.agentResults, reply);
    this.answered.add(envelope.id);
    if (this.answered.size > AgentWorker.ANSWERED_MAX) this.answered.delete(this.answered.values().next().value!);
    this.logger.info('task done', { taskId: task.taskId, status: result.status, ms: Date.now() - started });
  }
}
