import {
  Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit, type Provider, type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { KafkaBus, type BusConfig, type IncomingMessage } from '@switchboard/bus';
import { BusController, BusTransport, ContractMessagePipe, EventPattern, Payload, startBusTransport } from '@switchboard/bus-transport';
import { TOPICS, type AgentName } from '@switchboard/contracts';
import type { z } from 'zod';
import { ConfigError, configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig, type LogLevel, type MetricsConfig } from '@switchboard/observability';
import { HealthController, HealthService, installProcessGuards, ProcessMetricsModule, READINESS_CHECKS, ReadinessCheck } from '@switchboard/service-kit';
import { AGENT_TASK_TOPICS, AgentHandler, AgentWorker, type TaskTopic } from './agent-worker';
import { DEFAULT_AGENT_KEY_CONCURRENCY, DEFAULT_DEADLINE_GRACE_MS, DEFAULT_MAX_RESULT_BYTES, type AgentKitConfig } from './result-limits';

const AGENT_HANDLER = 'AGENT_HANDLER';
const AGENT_TOPIC = 'AGENT_TOPIC';

@Injectable()
class WorkerLifecycle extends ReadinessCheck implements OnModuleInit, OnApplicationShutdown {
  readonly name = 'kafka-consumer';

  constructor(
    private readonly bus: KafkaBus,
    private readonly transport: BusTransport,
    @Inject(AGENT_TOPIC) private readonly topic: TaskTopic<AgentName>,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    // Connects too, retrying an unreachable broker up to BUS_STARTUP_TIMEOUT_MS; results need their topic before the first task.
    await this.bus.ensureTopics([this.topic, TOPICS.agentResults]);
  }

  /** Nest has closed the transport (its consumer finished and committed the task in flight) before this runs. */
  async onApplicationShutdown(): Promise<void> {
    await this.bus.disconnect();
  }

  /** Ready only while the consumer is joined and fetching: a crashed or rejoining consumer takes no tasks. */
  async check(): Promise<boolean> {
    return this.transport.healthy();
  }
}

/** The agent's Kafka edge: a controller with one `@EventPattern` on its task topic, handing each task to the worker. */
function taskController(topic: TaskTopic<AgentName>): Type {
  @BusController()
  class AgentTaskController {
    constructor(@Inject(AgentWorker) private readonly worker: AgentWorker<AgentName>) {}

    @EventPattern(topic)
    onTask(@Payload(ContractMessagePipe) message: IncomingMessage<TaskTopic<AgentName>>): Promise<void> {
      return this.worker.process(message);
    }
  }
  return AgentTaskController;
}

/**
 * Everything an agent app shares: the Kafka bus, the bus transport with a task controller on the agent's topic
 * feeding its {@link AgentHandler} through an {@link AgentWorker}, and health endpoints. The app supplies its handler class and the providers the handler needs (LLM, memory, gateway).
 *
 * @example
 * AgentRuntimeModule.forRoot({ agent: 'triage', config, handler: TriageService, providers: [{ provide: LlmPort, useValue: llm }] })
 */
@Module({})
export class AgentRuntimeModule {
  static forRoot<A extends AgentName>(options: {
    agent: A;
    config: BusConfig & Partial<AgentKitConfig> & MetricsConfig;
    handler: Type<AgentHandler<A>>;
    providers?: Provider[];
    /** Consumer group; defaults to `switchboard.<agent>`. */
    groupId?: string;
  }): DynamicModule {
    const topic = AGENT_TASK_TOPICS[options.agent];
    // A result the supervisor's consumer would refuse unread is as bad as one over the limit.
    const maxResultBytes = Math.min(options.config.AGENT_MAX_RESULT_BYTES ?? DEFAULT_MAX_RESULT_BYTES, options.config.BUS_MAX_MESSAGE_BYTES);
    return {
      module: AgentRuntimeModule,
      imports: [ProcessMetricsModule.forRoot({ service: options.agent, key: options.config.METRICS_KEY })],
      controllers: [HealthController, taskController(topic)],
      providers: [
        ...(options.providers ?? []),
        { provide: KafkaBus, useFactory: () => new KafkaBus(options.config, options.agent) },
        { provide: AGENT_HANDLER, useClass: options.handler },
        { provide: AGENT_TOPIC, useValue: topic },
        { provide: AgentWorker, useFactory: (bus: KafkaBus, handler: AgentHandler<A>) => new AgentWorker(bus, handler, { maxResultBytes, deadlineGraceMs: options.config.AGENT_TASK_DEADLINE_GRACE_MS ?? DEFAULT_DEADLINE_GRACE_MS }), inject: [KafkaBus, AGENT_HANDLER] },
        {
          provide: BusTransport,
          // A repeat after a crash is harmless: results have per-delivery ids the supervisor's ledger drops, and the
          // resolver's writes replay at the gateway. So offsets are committed once per interval, not per task, and
          // tasks of different cases overlap.
          useFactory: (bus: KafkaBus) => new BusTransport(bus, {
            groupId: options.groupId ?? `switchboard.${options.agent}`, commitEvery: 'interval',
            keyConcurrency: options.config.AGENT_KEY_CONCURRENCY ?? DEFAULT_AGENT_KEY_CONCURRENCY,
          }),
          inject: [KafkaBus],
        },
        WorkerLifecycle,
        { provide: READINESS_CHECKS, useFactory: (w: WorkerLifecycle) => [w], inject: [WorkerLifecycle] },
        HealthService,
      ],
    };
  }
}

/**
 * Boots an agent app: JSON logs, shutdown hooks, the bus transport (resolves once its consumer is assigned and
 * fetching, so a task published after this returns is never skipped), health endpoints on `port`.
 *
 * @example
 * await startAgentApp(AgentRuntimeModule.forRoot({ … }), config.PORT);
 */
export async function startAgentApp(module: DynamicModule, port: number): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { logger: new JsonLogger('nest') });
  app.enableShutdownHooks();
  await startBusTransport(app);
  await app.listen(port, '0.0.0.0');
  return app;
}

/** Config every agent app has: the bus fragment plus port, log level and tracing endpoint. */
export interface AgentAppConfig extends BusConfig, Partial<AgentKitConfig>, MetricsConfig {
  PORT: number;
  LOG_LEVEL: LogLevel;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  AGENT_GROUP_ID?: string | undefined;
}

/**
 * The whole `main.ts` of an agent: parse config (exit listing every bad key), set up logs and tracing, build the
 * handler's providers, start consuming and serving health. A start that fails (Kafka not reachable within
 * BUS_STARTUP_TIMEOUT_MS, say) prints one line and exits 1; so does any unhandled error later.
 *
 * @example
 * void runAgentMain({ agent: 'triage', schema: TriageConfigSchema, handler: TriageService,
 *   providers: async (config) => [{ provide: LlmPort, useValue: await createLlm(config) }] });
 */
export async function runAgentMain<A extends AgentName, C extends AgentAppConfig>(options: {
  agent: A;
  schema: z.ZodType<C>;
  handler: Type<AgentHandler<A>>;
  providers: (config: C) => Provider[] | Promise<Provider[]>;
}): Promise<void> {
  const config = loadConfigOrExit(options.schema);
  configureLogging({ level: config.LOG_LEVEL });
  const guard = installProcessGuards(options.agent);
  initTracing({ serviceName: options.agent, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  let providers: Provider[];
  try {
    providers = await options.providers(config);
  } catch (error) {
    // Config that only fails when providers are built (an LLM policy file, a model path) exits like bad env does.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    return guard.failStart(error);
  }
  const module = AgentRuntimeModule.forRoot({ agent: options.agent, config, handler: options.handler, providers, groupId: config.AGENT_GROUP_ID });
  await startAgentApp(module, config.PORT).catch(guard.failStart);
  new JsonLogger(options.agent).info(`${options.agent} agent started`, { port: config.PORT, config: redactConfig(config as unknown as Record<string, unknown>) });
}
