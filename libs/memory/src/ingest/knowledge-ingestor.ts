import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { EmbeddingPort } from '../embeddings/embedding.port';
import { MemoryInputError } from '../memory.errors';
import type { VectorPoint, VectorStore } from '../store/vector-store.port';
import { chunkDocument, parseDocument, type Chunk, type ChunkingOptions, type SourceDocument } from './markdown-chunker';

/** What ingesting one document did. */
export interface DocumentIngestResult {
  documentId: string;
  status: 'added' | 'changed' | 'unchanged';
  chunksAdded: number;
  chunksUnchanged: number;
  chunksRemoved: number;
}

/** Totals of one ingestion run, printed by the CLI. */
export interface IngestSummary {
  files: number;
  documents: { added: number; changed: number; unchanged: number; removed: number };
  chunks: { added: number; unchanged: number; removed: number };
  seconds: number;
}

/** Called once with the file count, then after each file. */
export interface IngestProgress {
  start(totalFiles: number): void;
  file(result: DocumentIngestResult, done: number, total: number): void;
}

const EXTENSIONS = /\.(md|markdown|txt)$/i;
/** Document ids the ingestor never prunes: memory written by {@link MemoryService.rememberResolution}. */
export const REMEMBERED_PREFIX = 'case:';

/**
 * Ingests a folder of Markdown/text runbooks and past resolutions into one collection, idempotently: an unchanged
 * file is neither re-embedded nor written; a changed file gets its new chunks upserted, then its stale chunks
 * deleted (upsert first, so searches never see the document missing); with `prune`, documents whose file is gone
 * are deleted.
 *
 * @example
 * const ingestor = new KnowledgeIngestor(store, embedder, { collection: 'acme' });
 * const summary = await ingestor.ingestDirectory('data/kb', { prune: true });
 */
export class KnowledgeIngestor {
  constructor(
    private readonly store: VectorStore,
    private readonly embedder: EmbeddingPort,
    private readonly options: { collection: string; chunking?: ChunkingOptions },
  ) {}

  async ingestDirectory(dir: string, options: { prune?: boolean; progress?: IngestProgress } = {}): Promise<IngestSummary> {
    const started = Date.now();
    const files = listFiles(dir);
    if (files.length === 0) throw new MemoryInputError(`no .md, .markdown or .txt files under ${dir}`);
    await this.store.ensureCollection(this.options.collection, this.embedder.dimension);
    const summary: IngestSummary = { files: files.length, documents: { added: 0, changed: 0, unchanged: 0, removed: 0 }, chunks: { added: 0, unchanged: 0, removed: 0 }, seconds: 0 };
    options.progress?.start(files.length);
    const seen = new Map<string, Set<string>>();
    for (const [i, file] of files.entries()) {
      const documentId = relative(dir, file).split(sep).join('/');
      const doc = parseDocument(documentId, readFileSync(file, 'utf8'));
      seen.set(doc.tenantId, (seen.get(doc.tenantId) ?? new Set()).add(documentId));
      const result = await this.ingestDocument(doc);
      summary.documents[result.status]++;
      summary.chunks.added += result.chunksAdded;
      summary.chunks.unchanged += result.chunksUnchanged;
      summary.chunks.removed += result.chunksRemoved;
      options.progress?.file(result, i + 1, files.length);
    }
    if (options.prune) {
      for (const [tenantId, documentIds] of seen) {
        const stale = (await this.store.listChunks(this.options.collection, { tenantId })).filter(
          (c) => !documentIds.has(c.documentId) && !c.documentId.startsWith(REMEMBERED_PREFIX),
        );
        await this.store.deletePoints(this.options.collection, stale.map((c) => c.id));
        summary.documents.removed += new Set(stale.map((c) => c.documentId)).size;
        summary.chunks.removed += stale.length;
      }
    }
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }

  async ingestDocument(doc: SourceDocument): Promise<DocumentIngestResult> {
    const chunks = chunkDocument(doc, this.options.chunking);
    const existing = new Set((await this.store.listChunks(this.options.collection, { tenantId: doc.tenantId, documentId: doc.documentId })).map((c) => c.id));
    const fresh = chunks.filter((c) => !existing.has(c.id));
    const keep = new Set(chunks.map((c) => c.id));
    const stale = [...existing].filter((id) => !keep.has(id));
    const result: DocumentIngestResult = {
      documentId: doc.documentId,
      status: existing.size === 0 ? 'added' : fresh.length === 0 && stale.length === 0 ? 'unchanged' : 'changed',
      chunksAdded: fresh.length,
      chunksUnchanged: chunks.length - fresh.length,
      chunksRemoved: stale.length,
    };
    if (result.status === 'unchanged') return result;
    if (fresh.length) {
      const vectors = await this.embedder.embed(fresh.map((c) => c.text));
      await this.store.upsert(this.options.collection, fresh.map((c, i) => toPoint(doc, c, vectors[i]!, this.embedder.modelId)));
    }
    await this.store.deletePoints(this.options.collection, stale);
    return result;
  }
}

function toPoint(doc: SourceDocument, chunk: Chunk, vector: number[], modelId: string): VectorPoint {
  return {
    id: chunk.id,
    vector,
    text: chunk.text,
    payload: {
      documentId: doc.documentId,
      tenantId: doc.tenantId,
      docType: doc.docType,
      ...(doc.product ? { product: doc.product } : {}),
      ...(doc.language ? { language: doc.language } : {}),
      source: doc.source,
      audience: doc.audience,
      title: doc.title,
      section: chunk.sectionPath.join(' › '),
      chunkIndex: chunk.index,
      modelId,
    },
  };
}

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new MemoryInputError(`cannot read knowledge-base folder ${dir}: ${(error as Error).message}`);
  }
  return entries.flatMap((name) => {
    if (name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listFiles(path);
    return EXTENSIONS.test(name) ? [path] : [];
  });
}
