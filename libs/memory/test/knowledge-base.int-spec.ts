/** @jest-environment ./libs/memory/test/support/native-typed-arrays.environment.js */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'pg';
import {
  DEFAULT_EMBEDDINGS_DIR,
  KnowledgeIngestor,
  MemoryService,
  OnnxMiniLmEmbedder,
  PgVectorStore,
  QdrantVectorStore,
  runMemoryMigrations,
  type VectorStore,
} from '@switchboard/memory';
import { startQdrantTestServer, type QdrantTestServer } from '@switchboard/memory/testing';
import { assertTestDatabase, TEST_DATABASE_URL } from '../../../test/support/env';

// Real: the MiniLM model, the sample knowledge base in data/kb, Postgres, and Qdrant's engine over HTTP.
const KB = join(__dirname, '..', '..', '..', 'data', 'kb');
let embedder: OnnxMiniLmEmbedder;
let pool: Pool;
let server: QdrantTestServer;

beforeAll(async () => {
  assertTestDatabase(TEST_DATABASE_URL);
  pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  await runMemoryMigrations(pool);
  [embedder, server] = await Promise.all([OnnxMiniLmEmbedder.create(process.env.MEMORY_EMBEDDINGS_DIR ?? DEFAULT_EMBEDDINGS_DIR), startQdrantTestServer()]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await embedder?.close();
  await pool?.end();
});

describe.each([
  ['pg', () => new PgVectorStore(pool)],
  ['qdrant', () => new QdrantVectorStore({ url: server.url })],
] as const)('sample knowledge base on %s', (_name, makeStore: () => VectorStore) => {
  let store: VectorStore;
  let collection: string;
  let memory: MemoryService;

  beforeAll(async () => {
    store = makeStore();
    collection = `test_kb_${randomUUID().slice(0, 8)}`;
    memory = new MemoryService(store, embedder, { collection });
    await memory.init();
  });

  afterAll(async () => {
    await store.dropCollection(collection);
  });

  it('leaves the same number of points when ingested twice', async () => {
    const ingestor = new KnowledgeIngestor(store, embedder, { collection });
    const first = await ingestor.ingestDirectory(KB, { prune: true });
    const afterFirst = await store.count(collection);
    const second = await ingestor.ingestDirectory(KB, { prune: true });

    expect(first.files).toBeGreaterThanOrEqual(15);
    expect(afterFirst).toBe(first.chunks.added);
    expect(await store.count(collection)).toBe(afterFirst);
    expect(second.chunks).toEqual({ added: 0, unchanged: afterFirst, removed: 0 });
  }, 60_000);

  it('answers a ticket with the matching runbook and past resolution, cited', async () => {
    const passages = await memory.search({ query: 'Our dashboard is empty since you enabled the new dashboard for us', tenantId: 'acme-eu-17' });
    expect(passages).toHaveLength(5);
    const docs = passages.map((p) => p.documentId);
    expect(docs.slice(0, 3)).toEqual(expect.arrayContaining(['runbooks/dashboard-broken-after-flag-toggle.md']));
    expect(docs).toContain('resolutions/case-1042-dashboard-stale-cache.md');
    const resolution = passages.find((p) => p.documentId === 'resolutions/case-1042-dashboard-stale-cache.md')!;
    expect(resolution).toMatchObject({ source: 'resolution', docType: 'resolution', title: 'Dashboard empty after new-dashboard rollout (case 1042)' });
  });

  it('finds the help-centre article for a how-to question, marked for customers; runbooks stay internal', async () => {
    // The query the retrieval agent builds: intent, triage summary, redacted ticket.
    const passages = await memory.search({ query: 'how to\nInviting people: How do I invite a new member to our workspace?\nHow do I invite a new member to our workspace?', tenantId: 'globex' });

    const forCustomers = passages.filter((p) => p.audience === 'customer');
    expect(forCustomers[0]).toMatchObject({ documentId: 'help/invite-users.md', section: 'Invite a new member', docType: 'help-article' });
    expect(passages.filter((p) => p.documentId.startsWith('runbooks/')).every((p) => p.audience === 'internal')).toBe(true);
  });

  it('finds a remembered resolution for the next similar ticket of that tenant only', async () => {
    await memory.rememberResolution({
      caseId: `c-${randomUUID().slice(0, 6)}`,
      tenantId: 'tenant-a',
      intent: 'webhook_signature_failure',
      summary: 'Webhook deliveries failed signature checks because the signing secret was rotated; re-sent the new secret to the customer integration.',
      ticketText: 'Our webhook receiver rejects every event with an invalid signature since yesterday.',
      actions: ['rotate_webhook_secret', 'resend_failed_webhooks'],
    });

    const [top] = await memory.search({ query: 'webhook events are rejected: signature invalid', tenantId: 'tenant-a' });
    const other = await memory.search({ query: 'webhook events are rejected: signature invalid', tenantId: 'tenant-b' });

    expect(top).toMatchObject({ source: 'resolution', section: 'Resolution' });
    expect(top!.documentId).toMatch(/^case:c-/);
    expect(other.every((p) => !p.documentId.startsWith('case:'))).toBe(true);
  });
});
