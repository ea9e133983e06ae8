#!/usr/bin/env node
import { runCli } from './run-cli';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigOrExit } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { KnowledgeIngestor } from '../ingest/knowledge-ingestor';
import { MemoryConfigSchema } from '../memory.config';
import { createEmbedder, createVectorStore } from '../memory.factory';
import { formatSummary, StderrProgress } from './progress';

const USAGE = `usage: ingest --dir <folder> [--collection <name>] [--prune]
  Ingests Markdown/text runbooks and resolved tickets into the memory store (MEMORY_STORE=pg|qdrant).
  Re-running on unchanged files writes nothing; changed files replace their chunks; --prune deletes documents
  whose file is gone. Needs the embedding model: scripts/fetch-embeddings.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, collection: { type: 'string' }, prune: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help || !values.dir) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  const config = loadConfigOrExit(z.object({ ...StoreConfigSchema.shape, ...MemoryConfigSchema.shape }));
  const collection = values.collection ?? config.MEMORY_COLLECTION;
  const embedder = await createEmbedder(config);
  const { store, close } = await createVectorStore(config);
  try {
    const ingestor = new KnowledgeIngestor(store, embedder, { collection });
    const summary = await ingestor.ingestDirectory(resolve(values.dir), { prune: values.prune, progress: new StderrProgress() });
    const points = await store.count(collection);
    process.stdout.write(`${formatSummary(summary)}\nstore: ${config.MEMORY_STORE}, collection "${collection}": ${points} points\n`);
    return 0;
  } finally {
    await close();
  }
}

runCli('ingest', main);
