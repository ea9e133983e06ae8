import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from '@switchboard/observability';
import { createPool, runMigrations } from '@switchboard/store';
import type { AcmeConfig } from './acme.config';
import { AcmeModule } from './acme.module';
import { acmeErrorFilter } from './http-error.filter';
import { acmeMigrationsDir } from './paths';
import { acmeHasData, seedAcme } from './seed';

/** Builds the Acme backend: migrations, optional seed (ACME_SEED), then the Nest app. Used by main.ts and tests. */
export async function createAcmeApp(config: AcmeConfig): Promise<NestExpressApplication> {
  const logger = new JsonLogger('acme');
  const pool = createPool(config, (error) => logger.error('pg idle client error', { error }));
  try {
    await runMigrations(pool, 'acme-backend', acmeMigrationsDir());
    if (config.ACME_SEED === 'always' || (config.ACME_SEED === 'if-empty' && !(await acmeHasData(pool)))) {
      await seedAcme(pool);
      logger.info('demo data seeded');
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AcmeModule.forRoot(config, pool), { logger: new JsonLogger('nest') });
  app.useBodyParser('json', { limit: config.ACME_MAX_BODY_BYTES });
  app.useGlobalFilters(acmeErrorFilter());
  app.enableShutdownHooks();
  return app;
}
