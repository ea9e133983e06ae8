import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { filter, take } from 'rxjs';
import { KafkaBus } from '@switchboard/bus';
import { BusTransport } from '@switchboard/bus-transport';
import { HealthController, HealthService, ProcessMetricsModule, READINESS_CHECKS, ReadinessCheck } from '@switchboard/service-kit';
import { describeError, JsonLogger } from '@switchboard/observability';
import { createPool, OutboxRelay, runMigrations, storeMigrationsDir } from '@switchboard/store';
import { HelpdeskPort } from './adapters/helpdesk.port';
import { WebhookAdapter } from './adapters/webhook.adapter';
import { ZendeskAdapter } from './adapters/zendesk.adapter';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliveryService } from './delivery/delivery.service';
import { HELPDESK_CONFIG, type HelpdeskConfig } from './helpdesk.config';
import { HelpdeskEventsController } from './helpdesk-events.controller';
import { HELPDESK_TOPICS, HelpdeskHandler } from './helpdesk.handler';
import { helpdeskAppPath } from './paths';
import type { Routing } from './routing/routing.schema';
import { KafkaSignalAdapter } from './signals/kafka-signal.adapter';
import { SignalPublisher } from './signals/signal-publisher.port';
import { SignalService } from './signals/signal.service';
import { SignalsController } from './signals/signals.controller';

/**
 * Start order: migrations → topics → outbox relay (init) → consumer (the bus transport, HelpdeskEventsController); stop
 * in reverse: Nest closes the transport before the shutdown hook below.
 */
@Injectable()
class HelpdeskRuntime extends ReadinessCheck implements OnModuleInit, OnApplicationShutdown {
  readonly name = 'helpdesk';
  private readonly logger = new JsonLogger(HelpdeskRuntime.name);
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(HELPDESK_CONFIG) private readonly config: HelpdeskConfig,
    @Inject(Pool) private readonly pool: Pool,
    @Inject(KafkaBus) private readonly bus: KafkaBus,
    @Inject(BusTransport) private readonly transport: BusTransport,
  ) {
    super();
    this.relay = new OutboxRelay(pool, (records) => bus.publishRaw(records));
  }

  async onModuleInit(): Promise<void> {
    if (this.config.HELPDESK_RUN_MIGRATIONS) {
      await runMigrations(this.pool, 'store', storeMigrationsDir());
      await runMigrations(this.pool, 'helpdesk', helpdeskAppPath('migrations'));
    }
    await this.bus.connect();
    await this.bus.ensureTopics([...HELPDESK_TOPICS, 'tickets.deliveries', 'tickets.signals']);
    await this.relay.start();
    this.transport.status.pipe(filter((status) => status === 'connected'), take(1)).subscribe(() => {
      this.logger.info('helpdesk connector running', { groupId: this.config.HELPDESK_GROUP_ID, adapter: this.config.HELPDESK_ADAPTER });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.bus.disconnect();
    await this.pool.end().catch((error: unknown) => this.logger.warn('pool close failed', { error: describeError(error) }));
  }

  async check(): Promise<boolean> {
    if (!this.transport.healthy()) return false;
    await this.pool.query('SELECT 1');
    return true;
  }
}

function adapterFor(config: HelpdeskConfig): HelpdeskPort {
  if (config.HELPDESK_ADAPTER === 'webhook') {
    return new WebhookAdapter({
      url: config.HELPDESK_WEBHOOK_URL!, secret: config.HELPDESK_WEBHOOK_SECRET!, retries: config.HELPDESK_WEBHOOK_RETRIES,
      backoffMs: config.HELPDESK_WEBHOOK_BACKOFF_MS, timeoutMs: config.HELPDESK_WEBHOOK_TIMEOUT_MS,
    });
  }
  return new ZendeskAdapter({
    baseUrl: config.ZENDESK_URL!, email: config.ZENDESK_EMAIL!, apiToken: config.ZENDESK_API_TOKEN!, timeoutMs: config.ZENDESK_TIMEOUT_MS,
    maxRetryAfterSeconds: config.ZENDESK_MAX_RETRY_AFTER_SECONDS, rateLimitRetries: config.ZENDESK_RATE_LIMIT_RETRIES,
  });
}

export interface HelpdeskModuleOptions {
  config: HelpdeskConfig;
  routing: Routing;
}

@Module({})
export class HelpdeskModule {
  static forRoot(options: HelpdeskModuleOptions): DynamicModule {
    const { config, routing } = options;
    const logger = new JsonLogger('pg');
    return {
      module: HelpdeskModule,
      imports: [ProcessMetricsModule.forRoot({ service: 'helpdesk', key: config.METRICS_KEY })],
      controllers: [HelpdeskEventsController, HealthController, SignalsController],
      providers: [
        { provide: HELPDESK_CONFIG, useValue: config },
        { provide: Pool, useFactory: () => createPool(config, (error) => logger.error('idle pg client error', { error: describeError(error) })) },
        { provide: KafkaBus, useFactory: () => new KafkaBus(config, 'helpdesk') },
        {
          provide: BusTransport,
          useFactory: (bus: KafkaBus) => new BusTransport(bus, { groupId: config.HELPDESK_GROUP_ID, partitionsConsumedConcurrently: config.HELPDESK_CONCURRENCY }),
          inject: [KafkaBus],
        },
        { provide: DeliveryRepository, useFactory: (pool: Pool) => new DeliveryRepository(pool), inject: [Pool] },
        { provide: HelpdeskPort, useFactory: () => adapterFor(config) },
        {
          provide: DeliveryService,
          useFactory: (repo: DeliveryRepository, port: HelpdeskPort) => new DeliveryService(repo, port, routing, { consoleUrl: config.HELPDESK_CONSOLE_URL }),
          inject: [DeliveryRepository, HelpdeskPort],
        },
        { provide: HelpdeskHandler, useFactory: (service: DeliveryService) => new HelpdeskHandler(service, config.BUS_MAX_ATTEMPTS), inject: [DeliveryService] },
        { provide: SignalPublisher, useFactory: (bus: KafkaBus) => new KafkaSignalAdapter(bus), inject: [KafkaBus] },
        { provide: SignalService, useFactory: (repo: DeliveryRepository, publisher: SignalPublisher) => new SignalService(repo, publisher), inject: [DeliveryRepository, SignalPublisher] },
        HelpdeskRuntime,
        { provide: READINESS_CHECKS, useFactory: (runtime: HelpdeskRuntime) => [runtime], inject: [HelpdeskRuntime] },
        HealthService,
      ],
    };
  }
}
