import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { GLOBAL_TENANT, PgVectorStore, runMemoryMigrations, type SearchQuery, type VectorPoint } from '@switchboard/memory';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../test/support/env';
import { vectorStoreBehaviour } from './vector-store.behaviour';

// Real: Postgres (switchboard_test) with the memory migrations. No doubles.
let pool: Pool;

beforeAll(async () => {
  assertTestDatabase(TEST_DATABASE_URL);
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  await runMemoryMigrations(pool);
});

afterAll(async () => {
  await pool?.query(`DELETE FROM memory_collections WHERE name LIKE 'test\\_%'`);
  await pool?.end();
});

// The same behaviour with dense scoring in process (the default) and in SQL (no budget).
vectorStoreBehaviour('pg (embedded in Postgres), dense scoring in process', () => new PgVectorStore(pool));
vectorStoreBehaviour('pg (embedded in Postgres), dense scoring in SQL', () => new PgVectorStore(pool, { denseCacheBytes: 0 }));

describe('PgVectorStore: points held in process', () => {
  const DIMENSION = 24;
  let collection: string;
  /** A deterministic pseudo-random generator, so a failure replays. */
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
  const vector = () => Array.from({ length: DIMENSION }, random);
  const words = ['invoice', 'refund', 'export', 'dashboard', 'password', 'webhook', 'quota', 'billing', 'seat', 'login'];
  const point = (tenantId: string, overrides: Partial<VectorPoint> = {}): VectorPoint => ({
    id: randomUUID(),
    vector: vector(),
    text: `${words[Math.floor(Math.abs(random()) * 10)]} ${words[Math.floor(Math.abs(random()) * 10)]} guide`,
    payload: { documentId: `doc-${Math.floor(Math.abs(random()) * 20)}`, tenantId, docType: random() > 0 ? 'runbook' : 'kb', language: random() > 0.5 ? 'de' : 'en' },
    ...overrides,
  });

  beforeEach(async () => {
    collection = `test_${randomUUID().slice(0, 8)}`;
    await new PgVectorStore(pool).ensureCollection(collection, DIMENSION);
  });

  afterEach(async () => {
    await new PgVectorStore(pool).dropCollection(collection);
  });

  it('answers every search exactly as scoring in SQL does: same hits, same order, same scores', async () => {
    const inProcess = new PgVectorStore(pool);
    const inSql = new PgVectorStore(pool, { denseCacheBytes: 0 });
    await inSql.upsert(collection, [...Array.from({ length: 150 }, () => point(GLOBAL_TENANT)), ...Array.from({ length: 60 }, () => point('t1')), ...Array.from({ length: 60 }, () => point('t2'))]);
    const queries: SearchQuery[] = [];
    for (let i = 0; i < 30; i++) {
      const filter = [{ tenantId: 't1' }, { tenantId: 't2', docType: 'runbook' }, { tenantId: 't3', language: 'de' }][i % 3]!;
      queries.push({ vector: vector(), mode: 'dense', filter, limit: 1 + (i % 40) });
      queries.push({ vector: vector(), text: `${words[i % 10]} ${words[(i * 3) % 10]}`, mode: 'hybrid', filter, limit: 10 });
    }
    for (const query of queries) {
      const expected = await inSql.search(collection, query);
      const actual = await inProcess.search(collection, query);
      expect(actual.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      actual.forEach((hit, i) => {
        expect(hit.score).toBeCloseTo(expected[i]!.score, 12);
        expect(hit.text).toBe(expected[i]!.text);
        expect(hit.payload).toEqual(expected[i]!.payload);
      });
    }
    expect(inProcess.denseCacheStats().loads).toBe(1);
    expect(inProcess.denseCacheStats().bytes).toBeGreaterThan(270 * DIMENSION * 4);
  });

  it('sees every change another process makes, at its next search: insert, update, delete, erasure, drop', async () => {
    const reader = new PgVectorStore(pool);
    const writer = new PgVectorStore(pool, { denseCacheBytes: 0 });
    const base = Array.from({ length: 20 }, () => point(GLOBAL_TENANT));
    await writer.upsert(collection, base);
    const query = vector();
    const search = (tenantId = 't1') => reader.search(collection, { vector: query, mode: 'dense', filter: { tenantId }, limit: 3 });
    await search();
    expect(reader.denseCacheStats().loads).toBe(1);

    // Nothing changed: no reload.
    await search();
    expect(reader.denseCacheStats().loads).toBe(1);

    const nearest = point('t1', { vector: query, text: 'the nearest point', payload: { documentId: 'near', tenantId: 't1', docType: 'runbook' } });
    await writer.upsert(collection, [nearest]);
    expect((await search())[0]).toMatchObject({ id: nearest.id, text: 'the nearest point' });
    expect((await search('t2'))[0]!.id).not.toBe(nearest.id);

    await writer.upsert(collection, [{ ...nearest, text: 'rewritten' }]);
    expect((await search())[0]).toMatchObject({ id: nearest.id, text: 'rewritten' });

    await writer.deleteByDocument(collection, 'near', 't1');
    expect((await search()).map((h) => h.id)).not.toContain(nearest.id);

    await writer.upsert(collection, [nearest]);
    expect((await search())[0]!.id).toBe(nearest.id);
    await writer.deletePoints(collection, [nearest.id]);
    expect((await search()).map((h) => h.id)).not.toContain(nearest.id);
    expect(reader.denseCacheStats().loads).toBe(6);

    await writer.dropCollection(collection);
    expect(await search()).toEqual([]);
    expect(reader.denseCacheStats().bytes).toBe(0);
  });

  it('scores a collection larger than its budget in SQL, with the same answers', async () => {
    const small = new PgVectorStore(pool, { denseCacheBytes: 4_000 });
    const inSql = new PgVectorStore(pool, { denseCacheBytes: 0 });
    await inSql.upsert(collection, Array.from({ length: 40 }, () => point(GLOBAL_TENANT)));
    const query: SearchQuery = { vector: vector(), text: 'invoice refund', mode: 'hybrid', filter: { tenantId: 't1' }, limit: 5 };
    expect(await small.search(collection, query)).toEqual(await inSql.search(collection, query));
    expect(await small.search(collection, query)).toEqual(await inSql.search(collection, query));
    // Sized once at this revision, never loaded.
    expect(small.denseCacheStats()).toEqual({ loads: 0, bytes: 0 });
  });
});
