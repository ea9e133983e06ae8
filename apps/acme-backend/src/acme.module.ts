import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { ACME_CONFIG, ACME_POOL, type AcmeConfig } from './acme.config';
import { AcmeRepository } from './admin/acme.repository';
import { AcmeService } from './admin/acme.service';
import { TenantsController } from './admin/tenants.controller';
import { FaultsController } from './faults/faults.controller';
import { FaultsInterceptor } from './faults/faults.interceptor';
import { FaultsService } from './faults/faults.service';
import { HealthController } from './health.controller';

@Injectable()
class PoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ACME_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Module({})
export class AcmeModule {
  static forRoot(config: AcmeConfig, pool: Pool): DynamicModule {
    return {
      module: AcmeModule,
      controllers: [TenantsController, HealthController, ...(config.ACME_ENABLE_FAULTS ? [FaultsController] : [])],
      providers: [
        { provide: ACME_CONFIG, useValue: config },
        { provide: ACME_POOL, useValue: pool },
        PoolLifecycle,
        AcmeRepository,
        AcmeService,
        FaultsService,
        FaultsInterceptor,
      ],
    };
  }
}
