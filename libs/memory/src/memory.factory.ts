import type { Pool } from 'pg';
import { createPool, type StoreConfig } from '@switchboard/store';
import type { EmbeddingPort } from './embeddings/embedding.port';
import { OnnxMiniLmEmbedder } from './embeddings/onnx-minilm.adapter';
import type { MemoryConfig } from './memory.config';
import { PgVectorStore, runMemoryMigrations } from './store/pg.adapter';
import { QdrantVectorStore } from './store/qdrant.adapter';
import type { VectorStore } from './store/vector-store.port';

/**
 * Picks the vector-store adapter from validated config (`MEMORY_STORE`). For `pg` it runs the memory migrations on
 * the given pool (or one it creates from `DATABASE_URL`, closed by `close()`).
 *
 * @example
 * const { store, close } = await createVectorStore(config);
 */
export async function createVectorStore(config: MemoryConfig & StoreConfig, pool?: Pool): Promise<{ store: VectorStore; close: () => Promise<void> }> {
  if (config.MEMORY_STORE === 'qdrant') {
    return { store: new QdrantVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, hybridCandidates: config.MEMORY_HYBRID_CANDIDATES }), close: async () => undefined };
  }
  const own = pool ?? createPool(config);
  await runMemoryMigrations(own);
  return { store: new PgVectorStore(own, { hybridCandidates: config.MEMORY_HYBRID_CANDIDATES, denseCacheBytes: Math.round(config.MEMORY_DENSE_CACHE_MB * 1024 * 1024) }), close: async () => { if (!pool) await own.end(); } };
}

/**
 * The local embedder named by config. Provider embeddings (Titan, Ollama) are wired by apps with
 * `LlmEmbeddingAdapter.create(llm, …)`, since only they hold the LLM port.
 *
 * @example
 * const embedder = await createEmbedder(config);
 */
export async function createEmbedder(config: MemoryConfig): Promise<EmbeddingPort> {
  return OnnxMiniLmEmbedder.create(config.MEMORY_EMBEDDINGS_DIR);
}
