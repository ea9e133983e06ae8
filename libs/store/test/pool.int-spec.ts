// Real: Postgres (directly, and through a TCP proxy the test stalls). Doubles: none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createPool, inTransaction, runMigrations, StoreConfigSchema } from '@switchboard/store';
import { isDependencyUnavailable } from '@switchboard/observability';
import { TEST_DATABASE_URL } from '../../../test/support/env';
import { TcpProxy } from '../../../test/support/tcp-proxy';

jest.setTimeout(30_000);

describe('createPool: no call waits forever on Postgres (real Postgres)', () => {
  const pools: Pool[] = [];
  const proxies: TcpProxy[] = [];
  const pool = (env: Record<string, string>, url = TEST_DATABASE_URL) => {
    const p = createPool(StoreConfigSchema.parse({ DATABASE_URL: url, DATABASE_POOL_SIZE: '2', ...env }), () => undefined);
    pools.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  });

  it('cancels a statement that runs longer than DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const sut = pool({ DATABASE_STATEMENT_TIMEOUT_MS: '200' });
    await expect(sut.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
  });

  it('gives up on a lock held longer than DATABASE_LOCK_TIMEOUT_MS', async () => {
    const table = `lock_test_${Date.now().toString(36)}`;
    const holder = pool({});
    const sut = pool({ DATABASE_LOCK_TIMEOUT_MS: '200' });
    await holder.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
    await holder.query(`INSERT INTO ${table} VALUES (1)`);
    try {
      await inTransaction(holder, async (tx) => {
        await tx.query(`SELECT 1 FROM ${table} WHERE id = 1 FOR UPDATE`);
        await expect(sut.query(`UPDATE ${table} SET id = 1 WHERE id = 1`)).rejects.toMatchObject({ code: '55P03' });
      });
    } finally {
      await holder.query(`DROP TABLE ${table}`);
    }
  });

  it('fails a connect or a query to a server that stopped answering, as a dependency outage, and drops that client', async () => {
    const { proxy, url } = await TcpProxy.forUrl(TEST_DATABASE_URL);
    proxies.push(proxy);
    const sut = pool({ DATABASE_QUERY_TIMEOUT_MS: '300', DATABASE_CONNECT_TIMEOUT_MS: '300' }, url);
    await sut.query('SELECT 1');
    proxy.stall();
    const query = await inTransaction(sut, (tx) => tx.query('SELECT 1')).catch((error: unknown) => error);
    expect(query).toMatchObject({ message: 'Query read timeout' });
    expect(isDependencyUnavailable(query)).toBe(true);
    // The client whose answer never came is not handed out again.
    await new Promise((r) => setTimeout(r, 50));
    expect(sut.totalCount).toBe(0);
    const connect = await sut.connect().catch((error: unknown) => error);
    expect(isDependencyUnavailable(connect)).toBe(true);
    proxy.resume();
    await expect(sut.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
  });

  it('survives a connection dropping under a checked-out client between two queries, and discards that client', async () => {
    const { proxy, url } = await TcpProxy.forUrl(TEST_DATABASE_URL);
    proxies.push(proxy);
    const errors: Error[] = [];
    const sut = createPool(StoreConfigSchema.parse({ DATABASE_URL: url, DATABASE_POOL_SIZE: '2' }), (error) => errors.push(error));
    pools.push(sut);
    const client = await sut.connect();
    await client.query('SELECT 1');
    // e.g. the outbox relay holding its client while Kafka takes its time; pg-pool has no listener on it then.
    await proxy.down();
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.length).toBeGreaterThan(0);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    await proxy.up();
    await expect(sut.query('SELECT 2 AS ok')).resolves.toMatchObject({ rows: [{ ok: 2 }] });
  });

  it('lets migrations run past the pool timeouts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slow-migration-'));
    writeFileSync(join(dir, '001_slow.sql'), 'SELECT pg_sleep(0.5);');
    const sut = pool({ DATABASE_STATEMENT_TIMEOUT_MS: '100', DATABASE_QUERY_TIMEOUT_MS: '200' });
    const component = `slow-test-${Date.now().toString(36)}`;
    try {
      await expect(runMigrations(sut, component, dir)).resolves.toBe(1);
      // and the session's timeouts are back afterwards
      await expect(sut.query('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await sut.query('DELETE FROM public.schema_migrations WHERE component = $1', [component]);
    }
  });
});
