import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { TopicName } from '@switchboard/contracts';
import type { BusConfig } from './bus.config';
import { KafkaBus } from './kafka-bus';

/** DI token of the {@link BusConfig} given to {@link BusModule.forRoot}. */
export const BUS_CONFIG = 'BUS_CONFIG';
const BUS_TOPICS = 'BUS_TOPICS';

@Injectable()
class BusLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KafkaBus) private readonly bus: KafkaBus,
    @Inject(BUS_TOPICS) private readonly topics: readonly TopicName[] | undefined,
  ) {}

  async onModuleInit(): Promise<void> {
    // Connects too, retrying an unreachable broker up to BUS_STARTUP_TIMEOUT_MS.
    await this.bus.ensureTopics(this.topics);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.disconnect();
  }
}

/**
 * Thin Nest wrapper over {@link KafkaBus}: provides it, connects and creates topics on init, disconnects (stopping
 * consumers) on shutdown. Apps that manage the bus themselves can skip it.
 *
 * @example
 * @Module({ imports: [BusModule.forRoot(config, 'supervisor', { topics: ['tickets.ingress', 'agent.results'] })] })
 * export class SupervisorModule {}
 */
@Module({})
export class BusModule {
  static forRoot(config: BusConfig, clientId: string, options: { topics?: readonly TopicName[] } = {}): DynamicModule {
    return {
      module: BusModule,
      global: true,
      providers: [
        { provide: BUS_CONFIG, useValue: config },
        { provide: BUS_TOPICS, useValue: options.topics },
        { provide: KafkaBus, useFactory: () => new KafkaBus(config, clientId) },
        BusLifecycle,
      ],
      exports: [KafkaBus, BUS_CONFIG],
    };
  }
}
