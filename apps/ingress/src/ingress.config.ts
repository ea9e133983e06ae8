import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { env, MetricsConfigSchema } from '@switchboard/observability';
import { TenantRegistryConfigSchema } from '@switchboard/tenancy';

// Tenants, their regions and Zendesk organisations come from the tenant registry (TENANT_REGISTRY_FILE), which replaced
// INGRESS_TENANT_REGIONS and INGRESS_DEFAULT_REGION: a ticket's region is the server's to decide (docs/security.md).
export const IngressConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(TenantRegistryConfigSchema.shape).extend({
  PORT: env.int(3000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Comma-separated API keys accepted on `POST /tickets` (X-Api-Key or Bearer). */
  INGRESS_API_KEYS: env.list('').pipe(z.array(z.string().min(16, 'each ingress API key must be at least 16 characters')).min(1, 'set at least one INGRESS_API_KEYS entry')),
  /** Zendesk webhook signing secret; without it `POST /webhooks/zendesk` answers 401 to everything. */
  ZENDESK_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Maximum age of a Zendesk signature timestamp, against replays. */
  ZENDESK_MAX_SKEW_SECONDS: env.int(300),
  INGRESS_MAX_BODY_BYTES: env.int(256 * 1024),
  /**
   * Tickets one tenant may post on `POST /tickets` per minute, per ingress replica; more answer 429 with Retry-After.
   * 0 turns the allowance off. Zendesk webhooks are not limited here: Zendesk stops retrying a webhook after a few
   * attempts, so a 429 could lose a ticket; the supervisor's per-tenant admission keeps those fair instead.
   */
  INGRESS_TENANT_MAX_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(6_000),
});
export type IngressConfig = z.infer<typeof IngressConfigSchema>;
export const INGRESS_CONFIG = 'INGRESS_CONFIG';
