import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** Where `scripts/fetch-embeddings` puts the local model. */
export const DEFAULT_EMBEDDINGS_DIR = join(homedir(), '.cache', 'switchboard', 'models', 'all-minilm-l6-v2-q');
/** Where `scripts/fetch-encoder` puts triage's multilingual sentence encoder (Universal Sentence Encoder multilingual v3). */
export const DEFAULT_ENCODER_DIR = join(homedir(), '.cache', 'switchboard', 'models', 'use-multilingual-v3');

/**
 * Config fragment of the memory library; apps merge it into their own schema (STYLE.md §6).
 * `MEMORY_STORE=pg` keeps vectors in Switchboard's Postgres (no extra server); `qdrant` uses `QDRANT_URL`.
 *
 * @example
 * const Schema = StoreConfigSchema.extend(MemoryConfigSchema.shape);
 * const config = loadConfigOrExit(Schema); // MEMORY_STORE=qdrant QDRANT_URL=http://qdrant:6333
 */
export const MemoryConfigSchema = z.object({
  MEMORY_STORE: z.enum(['pg', 'qdrant']).default('pg'),
  /** One collection per knowledge domain; runbooks and remembered resolutions share it. */
  MEMORY_COLLECTION: z.string().regex(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ and - only').default('acme'),
  QDRANT_URL: z.string().url().default('http://127.0.0.1:6333'),
  QDRANT_API_KEY: z.string().optional(),
  MEMORY_EMBEDDINGS: z.enum(['onnx']).default('onnx'),
  MEMORY_EMBEDDINGS_DIR: z.string().default(DEFAULT_EMBEDDINGS_DIR),
  /** Candidates each of the dense and keyword lists contributes before fusion. */
  MEMORY_HYBRID_CANDIDATES: z.coerce.number().int().positive().default(50),
  /**
   * `MEMORY_STORE=pg`: MiB of a collection's points (embedding, text, payload) each process holds for dense scoring,
   * reloaded when the collection changes; a larger collection is scored in SQL, 0 scores every search there.
   */
  MEMORY_DENSE_CACHE_MB: z.coerce.number().nonnegative().default(128),
});
export type MemoryConfig = z.infer<typeof MemoryConfigSchema>;
