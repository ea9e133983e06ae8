import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from '@switchboard/observability';
import { loadTenantRegistry, type TenantRegistry } from '@switchboard/tenancy';
import { HttpErrorFilter } from '@switchboard/service-kit';
import type { IngressConfig } from './ingress.config';
import { IngressModule } from './ingress.module';

/** Builds the ingress HTTP app (used by main.ts and by the integration tests); the tenant registry is read and validated here. */
export async function createIngressApp(config: IngressConfig, tenants: TenantRegistry = loadTenantRegistry(config)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(IngressModule.forRoot(config, tenants), {
    rawBody: true,
    logger: new JsonLogger('nest'),
  });
  app.useBodyParser('json', { limit: config.INGRESS_MAX_BODY_BYTES });
  app.useGlobalFilters(new HttpErrorFilter({ codePrefix: 'INGRESS' }));
  app.enableShutdownHooks();
  return app;
}
