import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startBusTransport } from '@switchboard/bus-transport';
import { JsonLogger } from '@switchboard/observability';
import { HttpErrorFilter } from '@switchboard/service-kit';
import type { HelpdeskConfig } from './helpdesk.config';
import { HelpdeskModule } from './helpdesk.module';
import { loadRoutingFile } from './routing/routing.loader';
import type { Routing } from './routing/routing.schema';

/**
 * Builds the helpdesk connector (main.ts and the integration tests); the routing table is read and validated here. The
 * app comes back initialised and consuming (the bus transport is ready); `listen` binds HTTP.
 */
export async function createHelpdeskApp(config: HelpdeskConfig, overrides: { routing?: Routing } = {}): Promise<NestExpressApplication> {
  const routing = overrides.routing ?? loadRoutingFile(config.HELPDESK_ROUTING_FILE);
  const app = await NestFactory.create<NestExpressApplication>(HelpdeskModule.forRoot({ config, routing }), { rawBody: true, logger: new JsonLogger('nest') });
  app.useBodyParser('json', { limit: config.HELPDESK_MAX_BODY_BYTES });
  app.useGlobalFilters(new HttpErrorFilter({ codePrefix: 'HELPDESK' }));
  app.enableShutdownHooks();
  await startBusTransport(app);
  return app;
}
