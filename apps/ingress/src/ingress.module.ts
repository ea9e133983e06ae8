import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit, Injectable, Inject } from '@nestjs/common';
import { KafkaBus } from '@switchboard/bus';
import { TenantRegistry } from '@switchboard/tenancy';
import { HealthController, HealthService, ProcessMetricsModule, READINESS_CHECKS, ReadinessCheck } from '@switchboard/service-kit';
import { INGRESS_CONFIG, type IngressConfig } from './ingress.config';
import { KafkaTicketAdapter } from './tickets/kafka-ticket.adapter';
import { TicketPublisher } from './tickets/ticket-publisher.port';
import { TenantRateLimit } from './tickets/tenant-rate-limit';
import { TicketService } from './tickets/ticket.service';
import { TicketsController } from './tickets/tickets.controller';

@Injectable()
class BusLifecycle extends ReadinessCheck implements OnModuleInit, OnApplicationShutdown {
  readonly name = 'kafka';
  private connected = false;

  constructor(@Inject(KafkaBus) private readonly bus: KafkaBus) {
    super();
  }

  async onModuleInit(): Promise<void> {
    // Connects too, retrying an unreachable broker up to BUS_STARTUP_TIMEOUT_MS.
    await this.bus.ensureTopics(['tickets.ingress']);
    this.connected = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.connected = false;
    await this.bus.disconnect();
  }

  async check(): Promise<boolean> {
    return this.connected;
  }
}

@Module({})
export class IngressModule {
  static forRoot(config: IngressConfig, tenants: TenantRegistry): DynamicModule {
    return {
      module: IngressModule,
      imports: [ProcessMetricsModule.forRoot({ service: 'ingress', key: config.METRICS_KEY })],
      controllers: [TicketsController, HealthController],
      providers: [
        { provide: INGRESS_CONFIG, useValue: config },
        { provide: TenantRegistry, useValue: tenants },
        { provide: TenantRateLimit, useFactory: () => new TenantRateLimit(config.INGRESS_TENANT_MAX_PER_MINUTE) },
        { provide: KafkaBus, useFactory: () => new KafkaBus(config, 'ingress') },
        BusLifecycle,
        { provide: READINESS_CHECKS, useFactory: (bus: BusLifecycle) => [bus], inject: [BusLifecycle] },
        HealthService,
        { provide: TicketPublisher, useClass: KafkaTicketAdapter },
        TicketService,
      ],
    };
  }
}
