import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client, Pool } from 'pg';
import { configureLogging } from '@switchboard/observability';
import { assertTestDatabase, TEST_ACME_DATABASE_URL } from '../../../test/support/env';
import { createAcmeApp } from '../src/acme.app';
import { AcmeConfigSchema, type AcmeConfig } from '../src/acme.config';
import { seedAcme } from '../src/seed';

export const ACME_TEST_API_KEY = 'acme-test-api-key-0123456789';

export interface RunningAcme {
  app: NestExpressApplication;
  url: string;
  pool: Pool;
  apiKey: string;
  /** Fetch with the API key. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  reseed(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the real Acme backend on an ephemeral port over acme_test, seeded. Test files that use acme_test hold a
 * session advisory lock for their whole run, so parallel jest workers take turns instead of reseeding under each other.
 */
export async function startAcme(overrides: Partial<Record<keyof AcmeConfig, string>> = {}): Promise<RunningAcme> {
  assertTestDatabase(TEST_ACME_DATABASE_URL);
  configureLogging({ level: 'error' });
  const lock = new Client({ connectionString: TEST_ACME_DATABASE_URL });
  await lock.connect();
  await lock.query(`SELECT pg_advisory_lock(hashtext('acme_test.suite'))`);
  const config = AcmeConfigSchema.parse({
    DATABASE_URL: TEST_ACME_DATABASE_URL,
    ACME_API_KEY: ACME_TEST_API_KEY,
    ACME_ENABLE_FAULTS: 'true',
    ACME_SEED: 'never',
    ...overrides,
  });
  const pool = new Pool({ connectionString: TEST_ACME_DATABASE_URL, max: 2 });
  const app = await createAcmeApp(config);
  await app.listen(0, '127.0.0.1');
  await seedAcme(pool);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    pool,
    apiKey: config.ACME_API_KEY,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'x-api-key': config.ACME_API_KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* non-JSON bodies are returned as text */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async reseed() {
      await seedAcme(pool);
      await fetch(`${url}/admin/faults`, { method: 'DELETE', headers: { 'x-api-key': config.ACME_API_KEY } });
      await fetch(`${url}/admin/stats`, { method: 'DELETE', headers: { 'x-api-key': config.ACME_API_KEY } });
    },
    async close() {
      await app.close();
      await pool.end();
      await lock.query(`SELECT pg_advisory_unlock(hashtext('acme_test.suite'))`).catch(() => undefined);
      await lock.end();
    },
  };
}
