import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { GatewayTokenConfigSchema } from '@switchboard/gateway-client';
import { env } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { supervisorAppPath } from './paths';

export const SupervisorConfigSchema = BusConfigSchema.extend(StoreConfigSchema.shape)
  .extend(GatewayTokenConfigSchema.shape)
  .extend({
    PORT: env.int(3101),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** Policy file (YAML or JSON): rollout modes, thresholds, budgets. Validated at start-up. */
    SUPERVISOR_POLICY_FILE: z.string().min(1).default(() => supervisorAppPath('policy', 'default.policy.yaml')),
    /** Bearer keys accepted on the case API (`Authorization: Bearer …` or `X-Api-Key`). */
    SUPERVISOR_API_KEYS: env.list('').pipe(z.array(z.string().min(16, 'each supervisor API key must be at least 16 characters')).min(1, 'set at least one SUPERVISOR_API_KEYS entry')),
    SUPERVISOR_GROUP_ID: z.string().min(1).default('switchboard.supervisor'),
    /** Partitions handled in parallel (cases on one partition stay in order). */
    SUPERVISOR_CONCURRENCY: z.coerce.number().int().positive().default(3),
    /** How often due step deadlines and retries are looked for. */
    SUPERVISOR_SCAN_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
    SUPERVISOR_RUN_MIGRATIONS: env.bool(true),
    /** Gateway admin API for approving / rejecting held writes. */
    GATEWAY_URL: z.string().url().default('http://127.0.0.1:3200'),
    GATEWAY_ADMIN_KEY: z.string().min(16, 'GATEWAY_ADMIN_KEY must be at least 16 characters'),
    GATEWAY_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  });
export type SupervisorConfig = z.infer<typeof SupervisorConfigSchema>;
export const SUPERVISOR_CONFIG = 'SUPERVISOR_CONFIG';
export const SUPERVISOR_POLICY = 'SUPERVISOR_POLICY';
