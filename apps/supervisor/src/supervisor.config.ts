import { z } from 'zod';
import { BusConfigSchema } from '@switchboard/bus';
import { GatewayTokenConfigSchema } from '@switchboard/task-tokens';
import { env } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { TenantRegistryConfigSchema } from '@switchboard/tenancy';
import { CommandKeysSchema } from './commands/command-signature';
import { repoPath, supervisorAppPath } from './paths';
import { SlaPolicyEnvSchema } from './sla/sla.policy';

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
  .extend(TenantRegistryConfigSchema.shape)
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
    /**
     * Keys of `supervisor.commands` signatures, `<key id>:<secret>` comma-separated (secret ≥ 32 chars, no commas). The
     * first signs the commands this supervisor publishes; commands signed with none of them are dead-lettered unread.
     */
    SUPERVISOR_COMMAND_KEYS: CommandKeysSchema,
    /** Oldest signed command acted on (seconds since it was signed); older ones are dead-lettered as expired. */
    SUPERVISOR_COMMAND_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(3600),
    /** Partitions handled in parallel (cases on one partition stay in order). */
    SUPERVISOR_CONCURRENCY: z.coerce.number().int().positive().default(3),
    /**
     * Cases of one partition handled at once, from the same fetched batch (one message per case at a time, so each
     * case keeps its order); their writes share statements through group commit. 1 handles a partition's messages
     * one after another.
     */
    SUPERVISOR_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    /**
     * Group commit: events of different cases handled at the same time are written in one statement and one commit,
     * at most this many (2 to 32); an event that finds no write in flight goes at once, alone, and one write is in
     * flight at a time. 1 writes every event in its own statement, in parallel. It pays together with
     * SUPERVISOR_KEY_CONCURRENCY > 1, which makes writes coincide (docs/operations.md, "Group commit").
     */
    SUPERVISOR_GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(32).default(16),
    /** How often due step deadlines and retries are looked for. */
    SUPERVISOR_SCAN_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
    /**
     * Per-tenant admission: the most cases one tenant may have in the agents' hands at once (received, triaged, context
     * ready, resolving, verifying); its further tickets wait in Postgres, in arrival order, and start as its own cases
     * settle, so a storm from one tenant cannot queue everyone else's tickets behind it. 0 admits every ticket at once
     * (the default in code, which tests with shared tenants rely on); docker-compose, Helm and the demo set 50.
     */
    SUPERVISOR_TENANT_MAX_ACTIVE: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /**
     * Per-tenant admission, work-conserving: cases in the agents' hands shared equally among the tenants with a ticket
     * in the last SUPERVISOR_DEMAND_WINDOW_SECONDS (each at least 1, at most SUPERVISOR_TENANT_MAX_ACTIVE when that is
     * set). A tenant alone may use all of it; as others send tickets, its share shrinks. 0: no shared budget.
     */
    SUPERVISOR_ACTIVE_BUDGET: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /** How recent a tenant's last ticket must be for it to count among the tenants sharing SUPERVISOR_ACTIVE_BUDGET. */
    SUPERVISOR_DEMAND_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
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
    /**
     * `Secure` on the session cookie (sent over HTTPS only). On by default; `false` only for a console on plain http,
     * such as the local demo on 127.0.0.1.
     */
    SUPERVISOR_COOKIE_SECURE: env.bool(true),
    /** Failed sign-ins for one username within the window before it is locked out. */
    SUPERVISOR_LOGIN_MAX_FAILURES_PER_USER: z.coerce.number().int().min(1).max(1000).default(5),
    /** Failed sign-ins from one client address within the window (any usernames) before it is locked out. */
    SUPERVISOR_LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(100_000).default(20),
    /** Window in which failed sign-ins are counted. */
    SUPERVISOR_LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** How long a username or address stays locked once it reached its limit. */
    SUPERVISOR_LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Sign-in attempts one replica checks per minute in all (each costs a 32 MiB scrypt); more answer 429. */
    SUPERVISOR_LOGIN_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
    /**
     * Proxies in front of the supervisor whose X-Forwarded-For is trusted (Express `trust proxy` hops): the client
     * address that sign-in throttling counts. 0: the TCP peer's address.
     */
    SUPERVISOR_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /**
     * Bearer key for `GET /metrics` (≥ 16 chars), e.g. a Prometheus `authorization` credential. Unset: /metrics is off
     * (404). The supervisor API keys do not open it, and it does not open anything else.
     */
    SUPERVISOR_METRICS_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'SUPERVISOR_METRICS_KEY must be at least 16 characters').optional()),
    /** A /metrics render (which runs the KPI queries) is reused for this long; scrapes in between cost no SQL. */
    SUPERVISOR_METRICS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
    /** SLA of a case (minutes from the ticket's arrival) whose priority and tenant SUPERVISOR_SLA does not name. */
    SUPERVISOR_SLA_MINUTES: z.coerce.number().int().positive().default(60),
    /** SLA per priority and per tenant, JSON: `{"priorities":{"urgent":15,"high":60},"tenants":{"acme":{"urgent":5}}}` (minutes); see docs/console.md. */
    SUPERVISOR_SLA: SlaPolicyEnvSchema,
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
