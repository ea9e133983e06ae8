import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { env, MetricsConfigSchema } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { helpdeskAppPath } from './paths';

// Compose and Helm pass an unset optional variable as an empty string: treat it as unset.
const unsetIfBlank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const HelpdeskConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(StoreConfigSchema.shape)
  .extend({
    PORT: env.int(3400),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    HELPDESK_GROUP_ID: z.string().min(1).default('switchboard.helpdesk'),
    /** Partitions handled in parallel (one case's messages stay in order on its partition). */
    HELPDESK_CONCURRENCY: z.coerce.number().int().positive().default(3),
    HELPDESK_RUN_MIGRATIONS: env.bool(true),
    /** Where replies, notes and escalations go: Zendesk's REST API, or the generic signed webhook for any other helpdesk. */
    HELPDESK_ADAPTER: z.enum(['zendesk', 'webhook']).default('zendesk'),
    /** Routing table (YAML/JSON): reply status per tenant, escalation group / tags / priority per intent, tenant and reason. Validated at start-up. */
    HELPDESK_ROUTING_FILE: z.string().min(1).default(() => helpdeskAppPath('routing', 'default.routing.yaml')),
    /** Base URL of the supervisor console; when set, notes and handoffs link to the case there. */
    HELPDESK_CONSOLE_URL: unsetIfBlank(z.string().url()),
    HELPDESK_MAX_BODY_BYTES: env.int(256 * 1024),
    /** Zendesk account, e.g. https://acme.zendesk.com (required with HELPDESK_ADAPTER=zendesk). */
    ZENDESK_URL: unsetIfBlank(z.string().url()),
    /** Agent email of the API token (Basic auth `email/token:api_token`). */
    ZENDESK_EMAIL: unsetIfBlank(z.string().email()),
    ZENDESK_API_TOKEN: unsetIfBlank(z.string().min(8)),
    ZENDESK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Longest Retry-After of a 429 that is waited out in place; a longer one goes through the retry topic. */
    ZENDESK_MAX_RETRY_AFTER_SECONDS: z.coerce.number().int().positive().max(600).default(60),
    /** 429s waited out in place per delivery attempt before handing over to the retry topic. */
    ZENDESK_RATE_LIMIT_RETRIES: z.coerce.number().int().nonnegative().default(3),
    /** Signing secret of the Zendesk webhook that posts reopen / customer reply / rating events to /webhooks/zendesk; unset: every call gets 401. */
    ZENDESK_WEBHOOK_SECRET: unsetIfBlank(z.string().min(16)),
    /** Replay window of inbound webhook signatures. */
    ZENDESK_MAX_SKEW_SECONDS: env.int(300),
    /** Receiver of the generic signed webhook (required with HELPDESK_ADAPTER=webhook). */
    HELPDESK_WEBHOOK_URL: unsetIfBlank(z.string().url()),
    /** HMAC-SHA256 key of the egress signature (≥ 32 chars; the receiver holds the same). */
    HELPDESK_WEBHOOK_SECRET: unsetIfBlank(z.string().min(32, 'HELPDESK_WEBHOOK_SECRET must be at least 32 characters')),
    /** In-place retries of a webhook POST (5xx, 429, network) before handing over to the retry topic. */
    HELPDESK_WEBHOOK_RETRIES: z.coerce.number().int().nonnegative().default(3),
    /** First backoff of the webhook retries; doubles each time (a 429's Retry-After wins when longer). */
    HELPDESK_WEBHOOK_BACKOFF_MS: z.coerce.number().int().positive().default(500),
    HELPDESK_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  })
  .superRefine((c, ctx) => {
    const need = (key: keyof typeof c, why: string) => {
      if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${String(key)} is required ${why}` });
    };
    if (c.HELPDESK_ADAPTER === 'zendesk') {
      need('ZENDESK_URL', 'with HELPDESK_ADAPTER=zendesk');
      need('ZENDESK_EMAIL', 'with HELPDESK_ADAPTER=zendesk');
      need('ZENDESK_API_TOKEN', 'with HELPDESK_ADAPTER=zendesk');
    } else {
      need('HELPDESK_WEBHOOK_URL', 'with HELPDESK_ADAPTER=webhook');
      need('HELPDESK_WEBHOOK_SECRET', 'with HELPDESK_ADAPTER=webhook');
    }
  });
export type HelpdeskConfig = z.infer<typeof HelpdeskConfigSchema>;
export const HELPDESK_CONFIG = 'HELPDESK_CONFIG';
