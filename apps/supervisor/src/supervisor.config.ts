import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { GatewayTokenConfigSchema } from '@switchboard/gateway-client';
import { env } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { repoPath, supervisorAppPath } from './paths';

/** A console user: scrypt hash from `node dist/apps/supervisor/src/cli/hash-password.js`. */
export const ConsoleUserSchema = z.object({
  username: z.string().regex(/^[a-zA-Z0-9._@-]{1,100}$/, 'username: letters, digits, . _ @ - (1-100)'),
  role: z.enum(['supervisor', 'viewer']),
  passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'passwordHash must come from the hash-password CLI (scrypt$N$r$p$salt$hash)'),
});
export type ConsoleUser = z.infer<typeof ConsoleUserSchema>;

const consoleUsers = z.string().default('[]').transform((raw, ctx) => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'SUPERVISOR_CONSOLE_USERS must be a JSON array of {username, role, passwordHash}' });
    return z.NEVER;
  }
}).pipe(z.array(ConsoleUserSchema).refine((users) => new Set(users.map((u) => u.username)).size === users.length, 'usernames must be unique'));

export const SupervisorConfigSchema = BusConfigSchema.extend(StoreConfigSchema.shape)
  .extend(GatewayTokenConfigSchema.shape)
  .extend({
    PORT: env.int(3101),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** Policy file (YAML or JSON): rollout modes, thresholds, budgets. Validated at start-up. */
    SUPERVISOR_POLICY_FILE: z.string().min(1).default(() => supervisorAppPath('policy', 'default.policy.yaml')),
    /** Directory of resolution procedures (one YAML file per intent, docs/procedures.md). Validated and simulated at start-up. */
    PROCEDURES_DIR: z.string().min(1).default(() => repoPath('procedures')),
    /** Bearer keys accepted on the case API (`Authorization: Bearer …` or `X-Api-Key`). */
    SUPERVISOR_API_KEYS: env.list('').pipe(z.array(z.string().min(16, 'each supervisor API key must be at least 16 characters')).min(1, 'set at least one SUPERVISOR_API_KEYS entry')),
    SUPERVISOR_GROUP_ID: z.string().min(1).default('switchboard.supervisor'),
    /** Partitions handled in parallel (cases on one partition stay in order). */
    SUPERVISOR_CONCURRENCY: z.coerce.number().int().positive().default(3),
    /** How often due step deadlines and retries are looked for. */
    SUPERVISOR_SCAN_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
    SUPERVISOR_RUN_MIGRATIONS: env.bool(true),
    /** Publish a transition's messages right after its commit instead of waiting for the outbox relay (which stays as the fallback). */
    SUPERVISOR_DIRECT_PUBLISH: env.bool(true),
    /** How long the relay leaves directly published outbox rows to their writer before publishing them itself (a crashed writer's rows wait this long). */
    SUPERVISOR_OUTBOX_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Gateway admin API for approving / rejecting held writes. */
    GATEWAY_URL: z.string().url().default('http://127.0.0.1:3200'),
    GATEWAY_ADMIN_KEY: z.string().min(16, 'GATEWAY_ADMIN_KEY must be at least 16 characters'),
    GATEWAY_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Console sign-in: JSON array of `{"username","role":"supervisor"|"viewer","passwordHash"}`; empty = no console sign-in (API keys only). */
    SUPERVISOR_CONSOLE_USERS: consoleUsers,
    /** HMAC key of console session cookies (≥ 32 chars). Unset: a random key per process, so sessions end at every restart and are not shared between instances. */
    SUPERVISOR_SESSION_SECRET: z.string().min(32, 'SUPERVISOR_SESSION_SECRET must be at least 32 characters').optional(),
    /** Console session lifetime. */
    SUPERVISOR_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(8 * 3600),
    /** Adds `Secure` to the session cookie; set it whenever the console is served over HTTPS. */
    SUPERVISOR_COOKIE_SECURE: env.bool(false),
    /** Age after which a waiting case shows as over SLA in the inbox. */
    SUPERVISOR_SLA_MINUTES: z.coerce.number().int().positive().default(60),
    /** Window of the KPI gauges on /metrics. */
    SUPERVISOR_METRICS_WINDOW_HOURS: z.coerce.number().int().positive().max(24 * 90).default(24),
    /** Memory the case-state cache may hold, in bytes of serialised case state (ticket and context included); least recently used cases are dropped beyond it. */
    SUPERVISOR_CASE_CACHE_MAX_BYTES: z.coerce.number().int().min(0).default(64 * 1024 * 1024),
    /** First back-off of a case whose due tick (timeout or retry) throws; doubles per failure up to SUPERVISOR_DUE_RETRY_MAX_MS. */
    SUPERVISOR_DUE_RETRY_BASE_MS: z.coerce.number().int().positive().default(2_000),
    /** Longest back-off between failed due ticks of one case. */
    SUPERVISOR_DUE_RETRY_MAX_MS: z.coerce.number().int().positive().default(300_000),
    /** Failed due ticks after which a case is quarantined (skipped by the scanner until released: GET /v1/due-quarantine). */
    SUPERVISOR_DUE_MAX_FAILURES: z.coerce.number().int().positive().default(5),
    /** How often old rows are pruned (docs/operations.md "Retention"); 0 turns pruning off. */
    SUPERVISOR_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
    /** Published outbox rows (tickets, replies, task tokens) are deleted this long after they were sent. */
    SUPERVISOR_RETAIN_OUTBOX_SENT_HOURS: z.coerce.number().positive().default(7 * 24),
    /** Processed-message ledger rows are deleted after this; keep it above the retention of the consumed Kafka topics, or a very old redelivery would run again. */
    SUPERVISOR_RETAIN_PROCESSED_DAYS: z.coerce.number().positive().default(14),
    /** Trace rows of a finished case (RESOLVED, FAILED, CLOSED) are deleted this long after its last change. */
    SUPERVISOR_RETAIN_TRACE_DAYS: z.coerce.number().positive().default(90),
    /** Checkpoints of a finished case are deleted this long after its last change. */
    SUPERVISOR_RETAIN_CHECKPOINT_DAYS: z.coerce.number().positive().default(30),
  });
export type SupervisorConfig = z.infer<typeof SupervisorConfigSchema>;
export const SUPERVISOR_CONFIG = 'SUPERVISOR_CONFIG';
export const SUPERVISOR_POLICY = 'SUPERVISOR_POLICY';
