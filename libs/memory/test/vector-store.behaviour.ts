import { randomUUID } from 'node:crypto';
import { DimensionMismatchError, GLOBAL_TENANT, MemoryInputError, type PointPayload, type VectorPoint, type VectorStore } from '@switchboard/memory';

/**
 * The behaviour every VectorStore adapter must show, run by each adapter's spec against a real backend. Vectors are
 * hand-made 4-dimension ones so rankings are known exactly; keyword texts use plain words every analyser keeps.
 */
export function vectorStoreBehaviour(name: string, makeStore: () => VectorStore): void {
  describe(`VectorStore behaviour: ${name}`, () => {
    let sut: VectorStore;
    let collection: string;

    const point = (vector: number[], text: string, payload: Partial<PointPayload> = {}): VectorPoint => ({
      id: randomUUID(),
      vector,
      text,
      payload: { documentId: 'doc', tenantId: GLOBAL_TENANT, docType: 'runbook', ...payload },
    });

    beforeEach(async () => {
      sut = makeStore();
      collection = `test_${randomUUID().slice(0, 8)}`;
      await sut.ensureCollection(collection, 4);
    });

    afterEach(async () => {
      await sut.dropCollection(collection);
    });

    it('creates collections idempotently and refuses another dimension', async () => {
      await sut.ensureCollection(collection, 4);
      await expect(sut.ensureCollection(collection, 8)).rejects.toBeInstanceOf(DimensionMismatchError);
      expect(await sut.count(collection)).toBe(0);
    });

    it('ranks dense hits by cosine similarity', async () => {
      const near = point([1, 0, 0, 0], 'alpha');
      const mid = point([0.7, 0.7, 0, 0], 'beta');
      const far = point([0, 0, 1, 0], 'gamma');
      await sut.upsert(collection, [far, near, mid]);

      const hits = await sut.search(collection, { vector: [1, 0.1, 0, 0], mode: 'dense', filter: { tenantId: 't1' }, limit: 3 });

      expect(hits.map((h) => h.id)).toEqual([near.id, mid.id, far.id]);
      expect(hits[0]!.score).toBeCloseTo(0.995, 2);
      expect(hits[0]!.text).toBe('alpha');
      expect(hits[0]!.payload).toMatchObject({ documentId: 'doc', tenantId: GLOBAL_TENANT, docType: 'runbook' });
    });

    it('scores vectors with tiny components without numeric errors', async () => {
      const tiny = point([1e-30, 1, 1e-38, 0], 'tiny components');
      await sut.upsert(collection, [tiny]);
      const [hit] = await sut.search(collection, { vector: [1e-30, 1, 0, 1e-39], mode: 'dense', filter: { tenantId: 't1' }, limit: 1 });
      expect(hit!.id).toBe(tiny.id);
      expect(hit!.score).toBeCloseTo(1, 4);
    });

    it('ranks keyword hits by term matches and leaves out texts without them', async () => {
      const strong = point([1, 0, 0, 0], 'invoice refund approval: every refund above the threshold waits for approval');
      const weak = point([0, 1, 0, 0], 'the invoice lists each subscription charge');
      const none = point([0, 0, 1, 0], 'unlock a locked account after failed login attempts');
      await sut.upsert(collection, [none, weak, strong]);

      const hits = await sut.search(collection, { text: 'refund approval invoice', mode: 'keyword', filter: { tenantId: 't1' }, limit: 5 });

      expect(hits.map((h) => h.id)).toEqual([strong.id, weak.id]);
      expect(await sut.search(collection, { text: 'kubernetes', mode: 'keyword', filter: { tenantId: 't1' }, limit: 5 })).toEqual([]);
    });

    it('fuses dense and keyword rankings with RRF so a document good in both beats one good in only one', async () => {
      // dense: A, C, D, B  — keyword: B, C  → RRF(60): C 2/62 > B 1/61+1/64 > A 1/61
      const a = point([1, 0, 0, 0], 'tenant dashboard widgets');
      const c = point([0.9, 0.43, 0, 0], 'cache notes for the feature rollout');
      const d = point([0.6, 0, 0.8, 0], 'login lockout policy');
      const b = point([0, 0, 0, 1], 'stale cache: reset cache after the flag flip, then verify the cache');
      await sut.upsert(collection, [a, b, c, d]);

      const dense = await sut.search(collection, { vector: [1, 0, 0, 0], mode: 'dense', filter: { tenantId: 't1' }, limit: 4 });
      const keyword = await sut.search(collection, { text: 'stale cache', mode: 'keyword', filter: { tenantId: 't1' }, limit: 4 });
      const hybrid = await sut.search(collection, { vector: [1, 0, 0, 0], text: 'stale cache', mode: 'hybrid', filter: { tenantId: 't1' }, limit: 3 });

      expect(dense.map((h) => h.id)).toEqual([a.id, c.id, d.id, b.id]);
      expect(keyword.map((h) => h.id)).toEqual([b.id, c.id]);
      expect(hybrid.map((h) => h.id)).toEqual([c.id, b.id, a.id]);
      expect(hybrid[0]!.score).toBeCloseTo(2 / 62, 5);
      expect(hybrid[0]!.text).toBe('cache notes for the feature rollout');
    });

    it('isolates tenants: a tenant sees its own and global points, never another tenant’s', async () => {
      const mine = point([1, 0, 0, 0], 'refund policy for acme', { tenantId: 't1', documentId: 'r1' });
      const theirs = point([1, 0, 0, 0], 'refund policy for globex', { tenantId: 't2', documentId: 'r2' });
      const shared = point([0.9, 0.1, 0, 0], 'refund policy shared', { documentId: 'r3' });
      await sut.upsert(collection, [mine, theirs, shared]);

      for (const mode of ['dense', 'keyword', 'hybrid'] as const) {
        const hits = await sut.search(collection, { vector: [1, 0, 0, 0], text: 'refund policy', mode, filter: { tenantId: 't1' }, limit: 10 });
        expect(new Set(hits.map((h) => h.id))).toEqual(new Set([mine.id, shared.id]));
      }
      expect(await sut.count(collection, { tenantId: 't1' })).toBe(2);
      expect(await sut.count(collection, { tenantId: 't3' })).toBe(1);
      expect(await sut.count(collection)).toBe(3);
    });

    it('filters by product, document type and language', async () => {
      const en = point([1, 0, 0, 0], 'trial extension', { product: 'billing', docType: 'runbook', language: 'en' });
      const de = point([1, 0, 0, 0], 'trial extension verlaengern', { product: 'billing', docType: 'runbook', language: 'de' });
      const res = point([1, 0, 0, 0], 'trial extension resolved', { product: 'billing', docType: 'resolution', language: 'en' });
      const other = point([1, 0, 0, 0], 'trial extension auth', { product: 'auth', docType: 'runbook', language: 'en' });
      await sut.upsert(collection, [en, de, res, other]);
      const ids = async (filter: Record<string, string>) =>
        new Set((await sut.search(collection, { vector: [1, 0, 0, 0], text: 'trial extension', mode: 'hybrid', filter: { tenantId: 't1', ...filter }, limit: 10 })).map((h) => h.id));

      expect(await ids({ product: 'billing' })).toEqual(new Set([en.id, de.id, res.id]));
      expect(await ids({ docType: 'resolution' })).toEqual(new Set([res.id]));
      expect(await ids({ language: 'de' })).toEqual(new Set([de.id]));
      expect(await ids({ product: 'billing', docType: 'runbook', language: 'en' })).toEqual(new Set([en.id]));
      expect(await sut.count(collection, { tenantId: 't1', product: 'auth' })).toBe(1);
    });

    it('updates a point in place when upserted with the same id', async () => {
      const p = point([1, 0, 0, 0], 'old text about invoices');
      await sut.upsert(collection, [p]);
      await sut.upsert(collection, [{ ...p, vector: [0, 1, 0, 0], text: 'new text about lockouts', payload: { ...p.payload, docType: 'faq' } }]);

      expect(await sut.count(collection)).toBe(1);
      const [hit] = await sut.search(collection, { vector: [0, 1, 0, 0], mode: 'dense', filter: { tenantId: 't1' }, limit: 1 });
      expect(hit).toMatchObject({ id: p.id, text: 'new text about lockouts', payload: { docType: 'faq' } });
      expect(hit!.score).toBeCloseTo(1, 4);
      expect(await sut.search(collection, { text: 'invoices', mode: 'keyword', filter: { tenantId: 't1' }, limit: 1 })).toEqual([]);
    });

    it('deletes by document within one tenant only, and by id', async () => {
      const a1 = point([1, 0, 0, 0], 'a one', { documentId: 'runbooks/a.md', tenantId: 't1' });
      const a2 = point([0, 1, 0, 0], 'a two', { documentId: 'runbooks/a.md', tenantId: 't1' });
      const aOther = point([1, 0, 0, 0], 'a other tenant', { documentId: 'runbooks/a.md', tenantId: 't2' });
      const b = point([0, 0, 1, 0], 'b one', { documentId: 'runbooks/b.md', tenantId: 't1' });
      await sut.upsert(collection, [a1, a2, aOther, b]);
      expect((await sut.listChunks(collection, { tenantId: 't1', documentId: 'runbooks/a.md' })).map((c) => c.id).sort()).toEqual([a1.id, a2.id].sort());

      await sut.deleteByDocument(collection, 'runbooks/a.md', 't1');

      expect(await sut.listChunks(collection, { tenantId: 't1' })).toEqual([{ id: b.id, documentId: 'runbooks/b.md' }]);
      expect(await sut.listChunks(collection, { tenantId: 't2' })).toEqual([{ id: aOther.id, documentId: 'runbooks/a.md' }]);
      await sut.deletePoints(collection, [b.id]);
      expect(await sut.count(collection)).toBe(1);
    });

    it('rejects bad input the same way', async () => {
      await expect(sut.search(collection, { vector: [1, 0, 0, 0], mode: 'dense', filter: { tenantId: '' }, limit: 5 })).rejects.toBeInstanceOf(MemoryInputError);
      await expect(sut.search(collection, { text: 'x', mode: 'dense', filter: { tenantId: 't1' }, limit: 5 })).rejects.toBeInstanceOf(MemoryInputError);
      await expect(sut.search(collection, { vector: [1, 0, 0, 0], text: 'x', mode: 'hybrid', filter: { tenantId: 't1' }, limit: 0 })).rejects.toBeInstanceOf(MemoryInputError);
      await expect(sut.upsert(collection, [point([1, 0, 0], 'three dims')])).rejects.toBeInstanceOf(MemoryInputError);
      await expect(sut.upsert(collection, [{ ...point([1, 0, 0, 0], 'x'), id: 'not-a-uuid' }])).rejects.toBeInstanceOf(MemoryInputError);
    });
  });
}
