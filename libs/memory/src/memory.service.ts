import { z } from 'zod';
import type { EmbeddingPort } from './embeddings/embedding.port';
import { chunkId, type KnowledgeAudience, type KnowledgeSource } from './ingest/markdown-chunker';
import { REMEMBERED_PREFIX } from './ingest/knowledge-ingestor';
import { MemoryInputError } from './memory.errors';
import type { SearchMode, VectorStore } from './store/vector-store.port';

/** A cited piece of knowledge returned to the retrieval agent. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  section: string;
  text: string;
  score: number;
  source: KnowledgeSource;
  /** Only `customer` passages may be quoted to a customer (front matter `audience`, see parseDocument). */
  audience: KnowledgeAudience;
  docType: string;
}

/** Input of {@link MemoryService.search}. */
export interface MemorySearchRequest {
  query: string;
  tenantId: string;
  filters?: { product?: string; docType?: string; language?: string };
  limit?: number;
  mode?: SearchMode;
}

/** A verified resolution to remember. `ticketText` should already be redacted by triage. */
export const RememberResolutionSchema = z.object({
  caseId: z.string().min(1).max(200),
  tenantId: z.string().min(1).max(200),
  intent: z.string().min(1).max(200),
  summary: z.string().min(1).max(4000),
  ticketText: z.string().max(20_000),
  actions: z.array(z.string().min(1).max(1000)).max(50),
  product: z.string().max(200).optional(),
  language: z.string().max(20).optional(),
});
export type RememberResolution = z.infer<typeof RememberResolutionSchema>;

/** Longest ticket excerpt stored with a resolution (MiniLM reads ≈ 256 tokens anyway). */
const TICKET_EXCERPT_CHARS = 1500;

/**
 * The retrieval agent's entry point: hybrid search over runbooks and past resolutions with citations, and write-back
 * of verified resolutions so the next similar ticket finds them. Call {@link init} once at start-up.
 *
 * @example
 * const memory = new MemoryService(store, embedder, { collection: 'acme' });
 * await memory.init();
 * const passages = await memory.search({ query: ticket.body, tenantId: 't-17' });
 * await memory.rememberResolution({ caseId, tenantId: 't-17', intent: 'dashboard_broken', summary, ticketText, actions });
 */
export class MemoryService {
  constructor(
    private readonly store: VectorStore,
    private readonly embedder: EmbeddingPort,
    private readonly options: { collection: string },
  ) {}

  /** Ensures the collection exists with the embedder's dimension. */
  async init(): Promise<void> {
    await this.store.ensureCollection(this.options.collection, this.embedder.dimension);
  }

  async search(request: MemorySearchRequest): Promise<Passage[]> {
    const query = request.query?.trim();
    if (!query) throw new MemoryInputError('memory search needs a non-empty query');
    const mode = request.mode ?? 'hybrid';
    const vector = mode === 'keyword' ? undefined : (await this.embedder.embed([query]))[0];
    const hits = await this.store.search(this.options.collection, {
      vector,
      text: query,
      mode,
      filter: { tenantId: request.tenantId, ...definedOnly(request.filters ?? {}) },
      limit: request.limit ?? 5,
    });
    return hits.map((h) => ({
      chunkId: h.id,
      documentId: h.payload.documentId,
      title: String(h.payload.title ?? h.payload.documentId),
      section: String(h.payload.section ?? ''),
      text: h.text,
      score: h.score,
      source: h.payload.source === 'resolution' ? 'resolution' : 'runbook',
      // Points stored before `audience` existed are internal: only a document marked `customer` may be quoted.
      audience: h.payload.audience === 'customer' ? 'customer' : 'internal',
      docType: h.payload.docType,
    }));
  }

  /**
   * Stores a verified resolution as tenant-private memory (document `case:<caseId>`). Remembering the same case
   * again replaces the earlier entry.
   */
  async rememberResolution(input: RememberResolution): Promise<{ chunkId: string; documentId: string }> {
    const parsed = RememberResolutionSchema.safeParse(input);
    if (!parsed.success) throw new MemoryInputError(`invalid resolution: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const r = parsed.data;
    const documentId = `${REMEMBERED_PREFIX}${r.caseId}`;
    const title = `Resolved case ${r.caseId}: ${r.intent}`;
    const text = [
      `${title} › Resolution`,
      '',
      `Summary: ${r.summary}`,
      r.actions.length ? `Actions:\n${r.actions.map((a) => `- ${a}`).join('\n')}` : '',
      r.ticketText.trim() ? `Ticket: ${r.ticketText.trim().slice(0, TICKET_EXCERPT_CHARS)}` : '',
    ].filter(Boolean).join('\n');
    const id = chunkId(r.tenantId, documentId, ['Resolution'], 0, text);
    const [vector] = await this.embedder.embed([text]);
    await this.store.deleteByDocument(this.options.collection, documentId, r.tenantId);
    await this.store.upsert(this.options.collection, [{
      id,
      vector: vector!,
      text,
      payload: {
        documentId,
        tenantId: r.tenantId,
        docType: 'resolution',
        ...(r.product ? { product: r.product } : {}),
        language: r.language ?? 'en',
        source: 'resolution',
        title,
        section: 'Resolution',
        caseId: r.caseId,
        intent: r.intent,
        rememberedAt: new Date().toISOString(),
        modelId: this.embedder.modelId,
      },
    }]);
    return { chunkId: id, documentId };
  }
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}
