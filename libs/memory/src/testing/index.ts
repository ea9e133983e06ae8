export * from './in-memory.vector-store';
export * from './hashing.embedder';
export * from './qdrant-test-server';
