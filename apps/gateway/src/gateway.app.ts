import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from '@switchboard/observability';
import { checkAgainstCatalogue, loadProcedureSet, ProcedureSetError } from '@switchboard/procedures';
import { createPool, runMigrations } from '@switchboard/store';
import type { BackendPort } from './backend/backend.port';
import { loadCatalog } from './catalog/tool-catalog';
import type { GatewayConfig } from './gateway.config';
import { backendEndpoints, GatewayModule } from './gateway.module';
import { gatewayErrorFilter } from './http-error.filter';
import { gatewayAppPath } from './paths';

/**
 * Builds the gateway: loads and validates the tool catalogue (throws CatalogError listing every problem), runs the
 * gateway migrations, then wires the Nest app. Used by main.ts and by the integration tests.
 */
export async function createGatewayApp(config: GatewayConfig, options: { backend?: BackendPort } = {}): Promise<NestExpressApplication> {
  const catalog = loadCatalog(config.GATEWAY_CATALOG_PATH, { backends: Object.keys(backendEndpoints(config)) });
  const logger = new JsonLogger('gateway');
  if (config.PROCEDURES_DIR) {
    // The procedures the supervisor dispatches must fit the tools this gateway serves: refuse to start otherwise.
    const procedures = loadProcedureSet(config.PROCEDURES_DIR);
    const problems = checkAgainstCatalogue(procedures, catalog.all().map((t) => t.descriptor));
    if (problems.length > 0) throw new ProcedureSetError(problems);
    logger.info('procedures fit the catalogue', { dir: config.PROCEDURES_DIR, digest: procedures.digest, procedures: procedures.all().length });
  }
  const pool = createPool(config, (error) => logger.error('pg idle client error', { error }));
  try {
    await runMigrations(pool, 'gateway', gatewayAppPath('migrations'));
  } catch (error) {
    await pool.end();
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config, { pool, catalog, ...options }), {
    logger: new JsonLogger('nest'),
  });
  app.useBodyParser('json', { limit: config.GATEWAY_MAX_BODY_BYTES });
  app.useGlobalFilters(gatewayErrorFilter());
  app.enableShutdownHooks();
  logger.info('tool catalogue loaded', { tools: catalog.all().map((t) => t.def.name) });
  return app;
}
