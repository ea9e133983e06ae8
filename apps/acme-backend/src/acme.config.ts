import { z } from 'zod';
import { env } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';

export const AcmeConfigSchema = StoreConfigSchema.extend({
  DATABASE_URL: z.string().url().default('postgres://switchboard:switchboard@127.0.0.1:5432/acme'),
  PORT: env.int(3300),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** The only credential accepted (`X-Api-Key`); held by the gateway alone. */
  ACME_API_KEY: z.string().min(16, 'ACME_API_KEY must be at least 16 characters'),
  /** Test-only controls under /admin (faults, request stats, reseed). Never enable in production. */
  ACME_ENABLE_FAULTS: env.bool(false),
  /** `if-empty` seeds the demo tenants on first start, `always` resets them at every start, `never` leaves data alone. */
  ACME_SEED: z.enum(['if-empty', 'always', 'never']).default('if-empty'),
  ACME_MAX_BODY_BYTES: env.int(32 * 1024),
});
export type AcmeConfig = z.infer<typeof AcmeConfigSchema>;
export const ACME_CONFIG = 'ACME_CONFIG';
export const ACME_POOL = 'ACME_POOL';
