import {
  Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider, type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { KafkaBus, type BusConfig } from '@switchboard/bus';
import type { AgentName } from '@switchboard/contracts';
import type { z } from 'zod';
import { ConfigError, configureLogging, initTracing, JsonLogger, loadConfigOrExit, redactConfig, type LogLevel, type MetricsConfig } from '@switchboard/observability';
import { HealthController, HealthService, installProcessGuards, ProcessMetricsModule, READINESS_CHECKS, ReadinessCheck } from '@switchboard/service-kit';
import { AgentHandler, AgentWorker } from './agent-worker';
import { DEFAULT_MAX_RESULT_BYTES, type AgentKitConfig } from './result-limits';

const AGENT_HANDLER = 'AGENT_HANDLER';
const AGENT_GROUP_ID = 'AGENT_GROUP_ID';
const AGENT_MAX_RESULT_BYTES = 'AGENT_MAX_RESULT_BYTES';

@Injectable()
class WorkerLifecycle extends ReadinessCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly name = 'kafka-consumer';
  private running = false;
  private readonly worker: AgentWorker<AgentName>;

  constructor(
    private readonly bus: KafkaBus,
    @Inject(AGENT_HANDLER) handler: AgentHandler<AgentName>,
    @Inject(AGENT_GROUP_ID) groupId: string | undefined,
    @Inject(AGENT_MAX_RESULT_BYTES) maxResultBytes: number,
  ) {
    super();
    this.worker = new AgentWorker(bus, handler, { ...(groupId ? { groupId } : {}), maxResultBytes });
  }

  async onApplicationBootstrap(): Promise<void> {
    // worker.start() connects as part of ensuring its topics, retrying an unreachable broker up to BUS_STARTUP_TIMEOUT_MS.
    await this.worker.start();
    this.running = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.worker.stop();
    await this.bus.disconnect();
  }

  /** Ready only while the consumer is joined and fetching: a crashed or rejoining consumer takes no tasks. */
  async check(): Promise<boolean> {
    return this.running && this.worker.healthy();
  }
}

/**
 * Everything an agent app shares: the Kafka bus, the worker that feeds its {@link AgentHandler}, and health
 * endpoints. The app supplies its handler class and the providers the handler needs (LLM, memory, gateway).
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
    return {
      module: AgentRuntimeModule,
      imports: [ProcessMetricsModule.forRoot({ service: options.agent, key: options.config.METRICS_KEY })],
      controllers: [HealthController],
      providers: [
        ...(options.providers ?? []),
        { provide: KafkaBus, useFactory: () => new KafkaBus(options.config, options.agent) },
        { provide: AGENT_HANDLER, useClass: options.handler },
        { provide: AGENT_GROUP_ID, useValue: options.groupId },
        // A result the supervisor's consumer would refuse unread is as bad as one over the limit.
        { provide: AGENT_MAX_RESULT_BYTES, useValue: Math.min(options.config.AGENT_MAX_RESULT_BYTES ?? DEFAULT_MAX_RESULT_BYTES, options.config.BUS_MAX_MESSAGE_BYTES) },
        WorkerLifecycle,
        { provide: READINESS_CHECKS, useFactory: (w: WorkerLifecycle) => [w], inject: [WorkerLifecycle] },
        HealthService,
      ],
    };
  }
}

/**
 * Boots an agent app: JSON logs, shutdown hooks, health endpoints on `port`.
 *
 * @example
 * await startAgentApp(AgentRuntimeModule.forRoot({ … }), config.PORT);
 */
export async function startAgentApp(module: DynamicModule, port: number): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { logger: new JsonLogger('nest') });
  app.enableShutdownHooks();
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
