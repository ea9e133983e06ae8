import { SwitchboardError } from '@switchboard/observability';

/**
 * The vector store could not be reached or rejected a request (Qdrant HTTP error, Postgres error). Retryable.
 *
 * @example
 * throw new VectorStoreError('qdrant', 'upsert', error);
 */
export class VectorStoreError extends SwitchboardError {
  constructor(store: string, operation: string, cause: unknown) {
    super('MEMORY.STORE_FAILED', 'third_party', `${store} ${operation} failed: ${describe(cause)}`, { cause, details: { store, operation } });
  }
}

/**
 * A collection exists with another vector dimension than the embedding model produces: the model changed.
 *
 * @example
 * throw new DimensionMismatchError('acme', 768, 384);
 */
export class DimensionMismatchError extends SwitchboardError {
  constructor(collection: string, existing: number, wanted: number) {
    super(
      'MEMORY.DIMENSION_MISMATCH',
      'user',
      `collection "${collection}" holds ${existing}-dimension vectors but the embedding model produces ${wanted}: ` +
        'use another MEMORY_COLLECTION (or drop this one) and re-ingest',
      { details: { collection, existing, wanted } },
    );
  }
}

/**
 * Bad input to the memory library: empty tenant, vector of the wrong size, search without a query.
 *
 * @example
 * throw new MemoryInputError('search needs a vector for mode "dense"');
 */
export class MemoryInputError extends SwitchboardError {
  constructor(message: string) {
    super('MEMORY.INPUT_INVALID', 'user', message);
  }
}

/**
 * The local embedding model files are missing or unreadable. Says which command fetches them.
 *
 * @example
 * throw new EmbeddingModelMissingError('/root/.cache/switchboard/models/all-minilm-l6-v2-q');
 */
export class EmbeddingModelMissingError extends SwitchboardError {
  constructor(
    dir: string,
    cause?: unknown,
    need: { files: string; command: string } = { files: 'all-minilm-l6-v2-q.onnx and tokenizer.json', command: 'scripts/fetch-embeddings' },
  ) {
    super('MEMORY.MODEL_MISSING', 'user', `embedding model files not found in ${dir} (need ${need.files}): run \`${need.command}\``, {
      cause,
      details: { dir },
    });
  }
}

/**
 * The embedding backend failed (ONNX runtime error, LLM provider error). Retryable.
 *
 * @example
 * throw new EmbeddingError('onnx run failed', error);
 */
export class EmbeddingError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('MEMORY.EMBEDDING_FAILED', 'third_party', message, { cause });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const data = (error as { data?: { status?: { error?: string } } }).data;
    return data?.status?.error ? `${error.message}: ${data.status.error}` : error.message;
  }
  return String(error);
}
