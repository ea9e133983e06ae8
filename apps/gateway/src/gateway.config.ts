import { z } from 'zod';
import { GatewayAgentKeysConfigSchema, GatewayTokenConfigSchema } from '@switchboard/task-tokens';
import { env, MetricsConfigSchema } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { gatewayAppPath } from './paths';

export const GatewayConfigSchema = StoreConfigSchema.extend(MetricsConfigSchema.shape).extend(GatewayTokenConfigSchema.shape).extend(GatewayAgentKeysConfigSchema.shape).extend({
  PORT: env.int(3200),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Service key of the supervisor for approving / rejecting holds (`X-Admin-Key`); agents never hold it. */
  GATEWAY_ADMIN_KEY: z.string().min(16, 'GATEWAY_ADMIN_KEY must be at least 16 characters'),
  /** Tool catalogue (YAML or JSON). */
  GATEWAY_CATALOG_PATH: z.string().min(1).default(() => gatewayAppPath('catalog', 'acme.tools.yaml')),
  /** Resolution procedures to check against this catalogue at start-up (tools, argument schemas, read-backs); unset: no check. */
  PROCEDURES_DIR: z.string().min(1).optional(),
  GATEWAY_MAX_BODY_BYTES: env.int(64 * 1024),
  GATEWAY_BACKEND_TIMEOUT_MS: env.int(10_000),
  /** How long a held write may wait for (and, once approved, be executed under) its approval. */
  GATEWAY_APPROVAL_TTL_SECONDS: env.int(24 * 3600),
  GATEWAY_CLOCK_TOLERANCE_SECONDS: env.int(5),
  /**
   * Refuse task tokens without a `seq` claim (TOKEN_INVALID), since only tokens that carry one can be superseded. Set false only while
   * a supervisor that predates the claim still has tokens in flight.
   */
  GATEWAY_REQUIRE_TASK_SEQ: env.bool(true),
  /** The reference backend; only the gateway holds these. */
  ACME_BASE_URL: z.string().url().default('http://127.0.0.1:3300'),
  ACME_API_KEY: z.string().min(16, 'ACME_API_KEY must be at least 16 characters'),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export const GATEWAY_CONFIG = 'GATEWAY_CONFIG';
