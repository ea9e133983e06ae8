import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from '@switchboard/observability';
import { HttpErrorFilter } from './http-error.filter';
import type { IngressConfig } from './ingress.config';
import { IngressModule } from './ingress.module';

/** Builds the ingress HTTP app (used by main.ts and by the integration tests). */
export async function createIngressApp(config: IngressConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(IngressModule.forRoot(config), {
    rawBody: true,
    logger: new JsonLogger('nest'),
  });
  app.useBodyParser('json', { limit: config.INGRESS_MAX_BODY_BYTES });
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  return app;
}
