import { GLOBAL_TENANT } from './store/vector-store.port';
import { HashingEmbedder, InMemoryVectorStore } from './testing';
import { MemoryInputError } from './memory.errors';
import { MemoryService } from './memory.service';

describe('MemoryService', () => {
  let store: InMemoryVectorStore;
  let sut: MemoryService;

  beforeEach(async () => {
    store = new InMemoryVectorStore();
    sut = new MemoryService(store, new HashingEmbedder(), { collection: 'kb' });
    await sut.init();
    const [vector] = await new HashingEmbedder().embed(['Reset a tenant cache › Fix\n\nreset the tenant cache after a flag change']);
    await store.upsert('kb', [{
      id: '00000000-0000-4000-8000-000000000001',
      vector: vector!,
      text: 'Reset a tenant cache › Fix\n\nreset the tenant cache after a flag change',
      payload: { documentId: 'runbooks/cache.md', tenantId: GLOBAL_TENANT, docType: 'runbook', source: 'runbook', title: 'Reset a tenant cache', section: 'Fix' },
    }]);
  });

  it('returns passages with citations', async () => {
    const [passage] = await sut.search({ query: 'stale tenant cache after flag change', tenantId: 't-1' });
    expect(passage).toMatchObject({
      chunkId: '00000000-0000-4000-8000-000000000001',
      documentId: 'runbooks/cache.md',
      title: 'Reset a tenant cache',
      section: 'Fix',
      source: 'runbook',
      docType: 'runbook',
    });
    expect(passage!.score).toBeGreaterThan(0);
  });

  it('remembers a verified resolution for that tenant only, replacing an earlier one for the same case', async () => {
    const resolution = { caseId: 'case-9', tenantId: 't-1', intent: 'refund_request', summary: 'Refunded duplicate invoice', ticketText: 'charged twice for march', actions: ['refund_invoice INV-1'] };
    await sut.rememberResolution(resolution);
    const { documentId } = await sut.rememberResolution({ ...resolution, summary: 'Refunded duplicate march invoice in full' });

    const mine = await sut.search({ query: 'charged twice march refund', tenantId: 't-1' });
    const theirs = await sut.search({ query: 'charged twice march refund', tenantId: 't-2' });

    expect(documentId).toBe('case:case-9');
    expect(await store.count('kb')).toBe(2);
    expect(mine[0]).toMatchObject({ documentId: 'case:case-9', source: 'resolution', docType: 'resolution', section: 'Resolution' });
    expect(mine[0]!.text).toContain('Refunded duplicate march invoice in full');
    expect(theirs.map((p) => p.documentId)).toEqual(['runbooks/cache.md']);
  });

  it('rejects empty queries and invalid resolutions', async () => {
    await expect(sut.search({ query: '  ', tenantId: 't-1' })).rejects.toBeInstanceOf(MemoryInputError);
    await expect(sut.rememberResolution({ caseId: '', tenantId: 't-1', intent: 'x', summary: 'y', ticketText: '', actions: [] })).rejects.toThrow(/caseId/);
  });

  it('passes filters and mode through, and skips embedding for keyword mode', async () => {
    const embedder = new HashingEmbedder();
    const keywordOnly = new MemoryService(store, embedder, { collection: 'kb' });
    expect(await keywordOnly.search({ query: 'tenant cache', tenantId: 't-1', mode: 'keyword', filters: { docType: 'faq' } })).toEqual([]);
    expect(await keywordOnly.search({ query: 'tenant cache', tenantId: 't-1', mode: 'keyword', filters: { docType: 'runbook' } })).toHaveLength(1);
    expect(embedder.calls).toBe(0);
  });
});
