import 'reflect-metadata';
import { runAgentMain } from '@switchboard/agent-kit';
import { createEmbedder, createVectorStore, MemoryService } from '@switchboard/memory';
import { RetrievalConfigSchema } from './retrieval.config';
import { RetrievalService } from './retrieval.service';

void runAgentMain({
  agent: 'retrieval',
  schema: RetrievalConfigSchema,
  handler: RetrievalService,
  providers: async (config) => {
    const { store } = await createVectorStore(config);
    const memory = new MemoryService(store, await createEmbedder(config), { collection: config.MEMORY_COLLECTION });
    await memory.init();
    return [{ provide: MemoryService, useValue: memory }];
  },
});
