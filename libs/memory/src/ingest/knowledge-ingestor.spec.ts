import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryInputError } from '../memory.errors';
import { GLOBAL_TENANT } from '../store/vector-store.port';
import { HashingEmbedder, InMemoryVectorStore } from '../testing';
import { KnowledgeIngestor } from './knowledge-ingestor';

describe('KnowledgeIngestor', () => {
  let dir: string;
  let store: InMemoryVectorStore;
  let embedder: HashingEmbedder;
  let sut: KnowledgeIngestor;
  const write = (path: string, content: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-'));
    store = new InMemoryVectorStore();
    embedder = new HashingEmbedder();
    sut = new KnowledgeIngestor(store, embedder, { collection: 'kb' });
    write('runbooks/cache.md', '# Cache\n\n## Symptoms\n\nBlank dashboard.\n\n## Fix\n\nReset the cache.\n');
    write('resolutions/case-1.md', '# Case 1\n\nReset the cache, customer happy.\n');
    write('notes/ignored.pdf', 'not text');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds every chunk once, with payload for filters and citations', async () => {
    const summary = await sut.ingestDirectory(dir);
    expect(summary).toMatchObject({ files: 2, documents: { added: 2, changed: 0, unchanged: 0, removed: 0 }, chunks: { added: 3, unchanged: 0, removed: 0 } });
    const points = [...store.collections.get('kb')!.points.values()];
    expect(points.map((p) => p.payload.documentId).sort()).toEqual(['resolutions/case-1.md', 'runbooks/cache.md', 'runbooks/cache.md']);
    expect(points.find((p) => p.payload.section === 'Fix')!.payload).toMatchObject({ tenantId: GLOBAL_TENANT, source: 'runbook', title: 'Cache', modelId: 'hashing-test' });
  });

  it('writes and embeds nothing when re-ingesting unchanged files', async () => {
    await sut.ingestDirectory(dir);
    const writes = store.writes;
    const embedded = embedder.textsEmbedded;
    const summary = await sut.ingestDirectory(dir, { prune: true });
    expect(summary).toMatchObject({ documents: { added: 0, changed: 0, unchanged: 2, removed: 0 }, chunks: { added: 0, unchanged: 3, removed: 0 } });
    expect(store.writes).toBe(writes);
    expect(embedder.textsEmbedded).toBe(embedded);
  });

  it('replaces the chunks of a changed file, embedding only new chunks', async () => {
    await sut.ingestDirectory(dir);
    const embedded = embedder.textsEmbedded;
    write('runbooks/cache.md', '# Cache\n\n## Symptoms\n\nBlank dashboard.\n\n## Fix\n\nReset the tenant cache, then verify.\n');
    const summary = await sut.ingestDirectory(dir);
    expect(summary).toMatchObject({ documents: { changed: 1, unchanged: 1 }, chunks: { added: 1, unchanged: 2, removed: 1 } });
    expect(embedder.textsEmbedded - embedded).toBe(1);
    expect(await store.count('kb')).toBe(3);
    const texts = [...store.collections.get('kb')!.points.values()].map((p) => p.text).join('\n');
    expect(texts).toContain('then verify');
    expect(texts).not.toContain('Reset the cache.\n');
  });

  it('prunes documents whose file is gone, but never remembered resolutions', async () => {
    await sut.ingestDirectory(dir);
    await store.upsert('kb', [{ id: '00000000-0000-4000-8000-00000000000a', vector: (await embedder.embed(['x']))[0]!, text: 'x', payload: { documentId: 'case:c-1', tenantId: GLOBAL_TENANT, docType: 'resolution' } }]);
    unlinkSync(join(dir, 'resolutions/case-1.md'));
    const summary = await sut.ingestDirectory(dir, { prune: true });
    expect(summary.documents.removed).toBe(1);
    expect((await store.listChunks('kb', { tenantId: GLOBAL_TENANT })).map((c) => c.documentId).sort()).toEqual(['case:c-1', 'runbooks/cache.md', 'runbooks/cache.md']);
  });

  it('reports progress per file and fails clearly on an empty or missing folder', async () => {
    const seen: string[] = [];
    await sut.ingestDirectory(dir, { progress: { start: (n) => seen.push(`start ${n}`), file: (r, i, n) => seen.push(`${i}/${n} ${r.documentId} ${r.status}`) } });
    expect(seen).toEqual(['start 2', '1/2 resolutions/case-1.md added', '2/2 runbooks/cache.md added']);
    await expect(sut.ingestDirectory(join(dir, 'nope'))).rejects.toBeInstanceOf(MemoryInputError);
    await expect(sut.ingestDirectory(join(dir, 'notes'))).rejects.toThrow(/no \.md, \.markdown or \.txt files/);
  });
});
