import { QdrantVectorStore, VectorStoreError } from '@switchboard/memory';
import { startQdrantTestServer, type QdrantTestServer } from '@switchboard/memory/testing';
import { vectorStoreBehaviour } from './vector-store.behaviour';

// Real: HTTP (@qdrant/js-client-rest → undici → loopback), Qdrant's engine (qdrant-edge-py) for storage, filtering,
// sparse IDF scoring and RRF fusion. Ours: the thin Python layer mapping REST JSON to qdrant-edge calls.
let server: QdrantTestServer;

beforeAll(async () => {
  server = await startQdrantTestServer();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

vectorStoreBehaviour('qdrant (REST over HTTP, qdrant-edge engine)', () => new QdrantVectorStore({ url: server.url }));

describe('QdrantVectorStore errors', () => {
  it('wraps HTTP failures in VectorStoreError with the cause kept', async () => {
    const sut = new QdrantVectorStore({ url: server.url });
    const error = await sut.count('no_such_collection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorStoreError);
    expect((error as VectorStoreError).message).toMatch(/qdrant count failed.*doesn't exist/);
    expect((error as VectorStoreError).cause).toBeDefined();
  });

  it('reports an unreachable server as a retryable third-party error', async () => {
    const sut = new QdrantVectorStore({ url: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await expect(sut.count('x')).rejects.toMatchObject({ code: 'MEMORY.STORE_FAILED', category: 'third_party' });
  });
});
