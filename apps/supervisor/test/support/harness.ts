import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Pool } from 'pg';
import { caseIdFor, type TicketEvent } from '@switchboard/contracts';
import { loadConfig } from '@switchboard/observability';
import { migrateAll } from '@switchboard/store';
import { dropDatabase, recreateDatabase } from '../../../../test/support/databases';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_TENANT_REGISTRY } from '../../../../test/support/env';
import { CommandSignatures } from '../../src/commands/command-signature';
import { createSupervisorApp } from '../../src/supervisor.app';
import { SupervisorConfigSchema, type SupervisorConfig } from '../../src/supervisor.config';
import { SUPERVISOR_TOPICS } from '../../src/supervisor.handler';
import { primeGroup } from './scripted-agents';

export const BROKERS = TEST_KAFKA_BROKERS;
export const API_KEY = 'test-supervisor-api-key-0123456789';
export const GATEWAY_ADMIN_KEY = 'test-gateway-admin-key-0123456789';
export const TOKEN_SECRET = 'test-gateway-token-secret-0123456789abcdef';
export const METRICS_KEY = 'test-metrics-key-0123456789';
/** The key the tests' supervisor signs (and accepts) `supervisor.commands` with. */
export const COMMAND_KEY = { id: 'test-console', secret: 'test-command-signing-key-0123456789abcdef' };
/** Signs commands the way the supervisor's console does, for tests that publish commands themselves. */
export const testCommandSignatures = new CommandSignatures([COMMAND_KEY], 3600);

export const runId = () => randomUUID().slice(0, 8);

export function supervisorEnv(groupId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL, KAFKA_BROKERS: BROKERS.join(','), GATEWAY_TOKEN_SECRET: TOKEN_SECRET, GATEWAY_ADMIN_KEY,
    SUPERVISOR_API_KEYS: API_KEY, SUPERVISOR_COMMAND_KEYS: `${COMMAND_KEY.id}:${COMMAND_KEY.secret}`, TENANT_REGISTRY_FILE: TEST_TENANT_REGISTRY, SUPERVISOR_GROUP_ID: groupId, SUPERVISOR_SCAN_INTERVAL_MS: '200', BUS_RETRY_BASE_MS: '200', LOG_LEVEL: 'warn',
    // Sign-in counts persist in the test database and every suite signs in from 127.0.0.1: suites that are not about
    // throttling must not lock each other out. security.int-spec.ts sets real limits.
    SUPERVISOR_LOGIN_MAX_FAILURES_PER_USER: '1000', SUPERVISOR_LOGIN_MAX_FAILURES_PER_IP: '100000', SUPERVISOR_METRICS_KEY: METRICS_KEY, ...extra,
  };
}

export function supervisorConfig(groupId: string, extra: Record<string, string> = {}): SupervisorConfig {
  return loadConfig(SupervisorConfigSchema, supervisorEnv(groupId, extra));
}

export function ticketFor(tenantId: string, externalId = `EXT-${runId()}`, over: Partial<TicketEvent> = {}): TicketEvent {
  return {
    externalId, source: 'api', tenantId, region: 'us-east-1', requester: { email: 'ops@example.com' }, subject: 'Dashboard blank',
    body: 'Since the new dashboard flag was switched on our dashboard is blank.', priority: 'normal', tags: [], receivedAt: new Date().toISOString(), metadata: {}, ...over,
  };
}

export const caseOf = (t: TicketEvent) => caseIdFor(t);

export class Db {
  readonly pool: Pool;

  constructor(url = TEST_DATABASE_URL) {
    this.pool = new Pool({ connectionString: url, max: 3 });
  }

  async status(caseId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query('SELECT status FROM supervisor.cases WHERE case_id = $1', [caseId]);
    return rows[0]?.status;
  }

  async caseRow(caseId: string): Promise<{ status: string; version: number; state: Record<string, any> } | undefined> {
    const { rows } = await this.pool.query('SELECT status, version, state FROM supervisor.cases WHERE case_id = $1', [caseId]);
    return rows[0];
  }

  async transitions(caseId: string): Promise<Array<{ from_status: string; to_status: string; reason: string; event: string }>> {
    const { rows } = await this.pool.query('SELECT from_status, to_status, reason, event FROM supervisor.transitions WHERE case_id = $1 ORDER BY id', [caseId]);
    return rows;
  }

  async count(table: string, caseId: string): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM supervisor.${table} WHERE case_id = $1`, [caseId]);
    return rows[0].n;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * A database of the suite's own, created empty and migrated (every component but the reference backend's), beside the
 * shared test database: for a suite whose assertions depend on every tenant in the database (the shared admission
 * budget counts the tenants with cases created in its window), which the shared database cannot promise: every suite
 * writes cases there. `drop` removes it (call it after the suite's pools and app are closed; a drop that still fails
 * leaves the database behind rather than failing the suite).
 *
 * @example
 * const own = await ownDatabase('share'); // postgres://…/switchboard_test_share_1a2b3c4d
 */
export async function ownDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_${label}_${runId()}`;
  const url = await recreateDatabase(TEST_DATABASE_URL, name);
  await migrateAll({ root: join(__dirname, '..', '..', '..', '..'), databaseUrl: url });
  return { url, drop: () => dropDatabase(TEST_DATABASE_URL, name).catch(() => undefined) };
}

/**
 * Supervisor integration suites share the topics and the database: two supervisors running at once would share the
 * work (the ledger makes that safe, but a test could not tell which instance did what). A session advisory lock
 * makes the suites take turns even when jest runs them in parallel workers.
 */
export async function acquireSuiteLock(): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`SELECT pg_advisory_lock(hashtext('switchboard.supervisor.int-tests'))`);
  return async () => {
    await client.query(`SELECT pg_advisory_unlock(hashtext('switchboard.supervisor.int-tests'))`).catch(() => undefined);
    await client.end();
  };
}

/** One call to the supervisor's API with the test API key: its status and parsed JSON body. */
export async function apiCall(baseUrl: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json', ...init.headers } });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * A supervisor app on a free loopback port, its consumer group primed at the end of `topics` (default: every topic it
 * reads) so it starts with this suite's messages only.
 */
export async function listenSupervisor(
  config: SupervisorConfig,
  overrides: Parameters<typeof createSupervisorApp>[1],
  topics: readonly string[] = SUPERVISOR_TOPICS,
): Promise<{ app: NestExpressApplication; baseUrl: string }> {
  await primeGroup(BROKERS, config.SUPERVISOR_GROUP_ID, [...topics]);
  const app = await createSupervisorApp(config, overrides);
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
