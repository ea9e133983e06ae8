import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Pool } from 'pg';
import type { TaskTokenClaims } from '@switchboard/contracts';
import { GatewayAdminClient, GatewayClient } from '@switchboard/gateway-client';
import { bindTaskToken, TaskTokenIssuer, type TaskTokenRequest } from '@switchboard/task-tokens';
import { configureLogging } from '@switchboard/observability';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../test/support/env';
import { startAcme, type RunningAcme } from '../../acme-backend/test/acme-harness';
import { createGatewayApp } from '../src/gateway.app';
import { GatewayConfigSchema, type GatewayConfig } from '../src/gateway.config';
import { TokenBucketLimiter } from '../src/rate-limit/token-bucket';

/**
 * A copy of a catalogue file with one line changed (a limit switched to report mode, say), in a temporary directory;
 * returns its path for GATEWAY_CATALOG_PATH. Fails the test when the catalogue does not contain `from`, so a test
 * never runs on an unchanged catalogue by accident.
 */
export function catalogVariant(source: string, from: string, to: string): string {
  const text = readFileSync(source, 'utf8');
  expect(text).toContain(from);
  const path = join(mkdtempSync(join(tmpdir(), 'gw-catalog-')), 'tools.yaml');
  writeFileSync(path, text.replace(from, to));
  return path;
}

export const TOKEN_SECRET = 'test-gateway-token-secret-0123456789abcdef';
export const ADMIN_KEY = 'test-gateway-admin-key-0123456789';
/** Each agent's own gateway key; the harness binds the tokens it mints to their agent's (security.md). */
export const AGENT_KEYS = { resolver: 'test-resolver-agent-key-0123456789abcdef', verifier: 'test-verifier-agent-key-0123456789abcdef' } as const;

export function newCaseId(): string {
  return `case_${randomBytes(12).toString('hex')}`;
}

/**
 * Runs `fn` while Postgres refuses audit rows of `caseId` (and of `agent`, when given), through a trigger that only
 * matches them: the audit table is shared with the other suites. The trigger is removed afterwards.
 */
export async function withAuditRefused<T>(db: Pool, caseId: string, agent: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!/^[a-z0-9_]+$/.test(caseId)) throw new Error(`withAuditRefused: unexpected case id ${caseId}`);
  const name = `refuse_audit_${caseId}`;
  const match = `NEW.case_id = '${caseId}'${agent ? ` AND NEW.agent = '${agent.replace(/'/g, "''")}'` : ''}`;
  await db.query(`CREATE FUNCTION gateway.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF ${match} THEN RAISE EXCEPTION 'audit refused by the test'; END IF; RETURN NEW; END $$`);
  await db.query(`CREATE TRIGGER ${name} BEFORE INSERT ON gateway.audit_log FOR EACH ROW EXECUTE FUNCTION gateway.${name}()`);
  try {
    return await fn();
  } finally {
    await db.query(`DROP TRIGGER ${name} ON gateway.audit_log`);
    await db.query(`DROP FUNCTION gateway.${name}()`);
  }
}

export interface Stack {
  acme: RunningAcme;
  gateway: NestExpressApplication;
  url: string;
  db: Pool;
  issuer: TaskTokenIssuer;
  /** A freshly minted task token, bound to its agent's key: the bearer credential that agent would send. */
  token(overrides?: Partial<TaskTokenRequest>, ttlSeconds?: number): Promise<string>;
  invoke(tool: string, body: unknown, token: string | undefined, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  client(token: string): GatewayClient;
  admin: GatewayAdminClient;
  /** Empties the gateway's rate-limit buckets, so one test's calls do not throttle the next. */
  resetRateLimits(): void;
  /**
   * Forgets the gateway's write history (ledger, approvals, task sequences): the backend was just reseeded, so the
   * cumulative limits (per invoice, per tenant and day) must not count refunds of an earlier test's world.
   */
  resetWriteHistory(): Promise<void>;
  startGateway(overrides?: Partial<Record<keyof GatewayConfig, string>>): Promise<{ app: NestExpressApplication; url: string }>;
  close(): Promise<void>;
}

/** Real acme backend + real gateway on ephemeral ports, over acme_test and switchboard_test. No doubles. */
export async function startStack(gatewayOverrides: Partial<Record<keyof GatewayConfig, string>> = {}): Promise<Stack> {
  assertTestDatabase(TEST_DATABASE_URL);
  configureLogging({ level: 'error' });
  const acme = await startAcme();
  const extra: NestExpressApplication[] = [];
  const startGateway = async (overrides: Partial<Record<keyof GatewayConfig, string>> = {}) => {
    const config = GatewayConfigSchema.parse({
      DATABASE_URL: TEST_DATABASE_URL,
      GATEWAY_TOKEN_SECRET: TOKEN_SECRET,
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_AGENT_KEYS: `resolver:${AGENT_KEYS.resolver},verifier:${AGENT_KEYS.verifier}`,
      ACME_BASE_URL: acme.url,
      ACME_API_KEY: acme.apiKey,
      GATEWAY_BACKEND_TIMEOUT_MS: '3000',
      ...gatewayOverrides,
      ...overrides,
    });
    const app = await createGatewayApp(config);
    await app.listen(0, '127.0.0.1');
    return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  };
  const main = await startGateway();
  const issuer = new TaskTokenIssuer(TOKEN_SECRET);
  const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
  return {
    acme,
    gateway: main.app,
    url: main.url,
    db,
    issuer,
    token: async (overrides = {}, ttlSeconds = 300) => {
      const claims: TaskTokenRequest = {
        caseId: newCaseId(), taskId: `task_${randomBytes(4).toString('hex')}`, tenantId: 'globex', region: 'us-east-1', agent: 'resolver',
        mode: 'autonomous', tools: ['*'], scopes: ['read', 'write'], seq: 1, ...overrides,
      };
      const key = AGENT_KEYS[claims.agent as keyof typeof AGENT_KEYS] ?? AGENT_KEYS.resolver;
      return bindTaskToken(await issuer.issue(claims, ttlSeconds), key);
    },
    async invoke(tool, body, token, headers = {}) {
      const res = await fetch(`${main.url}/v1/tools/${tool}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json().catch(() => undefined), headers: res.headers };
    },
    client: (token) => new GatewayClient({ baseUrl: main.url, token, timeoutMs: 5000 }),
    admin: new GatewayAdminClient({ baseUrl: main.url, adminKey: ADMIN_KEY }),
    resetRateLimits: () => main.app.get(TokenBucketLimiter).reset(),
    async resetWriteHistory() {
      await db.query('TRUNCATE gateway.write_ledger, gateway.approvals, gateway.case_task_seq');
    },
    async startGateway(overrides) {
      const started = await startGateway(overrides);
      extra.push(started.app);
      return started;
    },
    async close() {
      for (const app of extra) await app.close();
      await main.app.close();
      await db.end();
      await acme.close();
    },
  };
}

/** Claims with only the fields a test changes. */
export type ClaimsOverrides = Partial<Omit<TaskTokenClaims, 'iat' | 'exp'>>;
