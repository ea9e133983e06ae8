#!/usr/bin/env node
import { runCli } from './run-cli';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigOrExit } from '@switchboard/observability';
import { StoreConfigSchema } from '@switchboard/store';
import { retrievalMetrics } from '../eval/retrieval-metrics';
import { KnowledgeIngestor } from '../ingest/knowledge-ingestor';
import { MemoryConfigSchema } from '../memory.config';
import { createEmbedder, createVectorStore } from '../memory.factory';
import { MemoryService } from '../memory.service';
import type { SearchMode } from '../store/vector-store.port';

const USAGE = `usage: eval [--kb data/kb] [--queries data/kb-eval/queries.json] [--collection eval_kb] [--k 5]
  Ingests the knowledge base into its own collection (idempotent), runs every labelled query in dense, keyword and
  hybrid mode, and prints recall@k and MRR (over the top 10) per mode.`;

const EvalSetSchema = z.object({
  tenantId: z.string().min(1),
  queries: z.array(z.object({ query: z.string().min(1), relevant: z.array(z.object({ documentId: z.string(), section: z.string().optional() })).min(1) })).min(1),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kb: { type: 'string', default: 'data/kb' },
      queries: { type: 'string', default: 'data/kb-eval/queries.json' },
      collection: { type: 'string', default: 'eval_kb' },
      k: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const k = Number(values.k);
  const set = EvalSetSchema.parse(JSON.parse(readFileSync(resolve(values.queries), 'utf8')));
  const config = loadConfigOrExit(z.object({ ...StoreConfigSchema.shape, ...MemoryConfigSchema.shape }));
  const embedder = await createEmbedder(config);
  const { store, close } = await createVectorStore(config);
  try {
    await new KnowledgeIngestor(store, embedder, { collection: values.collection }).ingestDirectory(resolve(values.kb), { prune: true });
    const memory = new MemoryService(store, embedder, { collection: values.collection });
    const rows: Array<{ mode: SearchMode; recall: number; mrr: number }> = [];
    for (const mode of ['dense', 'keyword', 'hybrid'] as const) {
      const runs = [];
      for (const q of set.queries) {
        const passages = await memory.search({ query: q.query, tenantId: set.tenantId, mode, limit: Math.max(10, k) });
        runs.push({ labels: q.relevant, retrieved: passages });
      }
      const m = retrievalMetrics(runs, k);
      rows.push({ mode, recall: m.recallAtK, mrr: m.mrr });
    }
    process.stdout.write(`retrieval quality: ${set.queries.length} queries, store ${config.MEMORY_STORE}, model ${embedder.modelId}\n`);
    process.stdout.write(`mode      recall@${k}  MRR@10\n`);
    for (const r of rows) process.stdout.write(`${r.mode.padEnd(9)} ${r.recall.toFixed(3).padStart(8)}  ${r.mrr.toFixed(3).padStart(6)}\n`);
    return 0;
  } finally {
    await close();
  }
}

runCli('eval', main);
