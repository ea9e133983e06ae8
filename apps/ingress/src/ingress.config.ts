import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { RegionSchema } from '@switchboard/contracts';
import { env } from '@switchboard/observability';

const TenantRegions = z
  .string()
  .default('{}')
  .transform((raw, ctx) => {
    try {
      return z.record(z.string(), RegionSchema).parse(JSON.parse(raw));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object of tenant → region: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

export const IngressConfigSchema = BusConfigSchema.extend({
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
  /** Region of each Zendesk organization external id (tenant); others get INGRESS_DEFAULT_REGION. */
  INGRESS_TENANT_REGIONS: TenantRegions,
  INGRESS_DEFAULT_REGION: RegionSchema.default('us-east-1'),
});
export type IngressConfig = z.infer<typeof IngressConfigSchema>;
export const INGRESS_CONFIG = 'INGRESS_CONFIG';
