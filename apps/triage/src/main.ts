import 'reflect-metadata';
import { runAgentMain } from '@switchboard/agent-kit';
import { createLlm, LlmPort, loadLlmPolicy } from '@switchboard/llm';
import { EmbeddingModelMissingError, UseMultilingualEmbedder } from '@switchboard/memory';
import { ConfigError, JsonLogger } from '@switchboard/observability';
import { ExampleIndex } from './classification/example-index';
import { loadTriageExamples } from './classification/examples.loader';
import { TRIAGE_CONFIG, TriageConfigSchema } from './triage.config';
import { LLM_PROVIDER_KINDS, TriageService } from './triage.service';

void runAgentMain({
  agent: 'triage',
  schema: TriageConfigSchema,
  handler: TriageService,
  providers: async (config) => {
    const policy = loadLlmPolicy(config);
    // Checked before the model loads, so a bad examples file is reported at once with every problem.
    const examples = loadTriageExamples(config.TRIAGE_EXAMPLES_FILE, [...new Set([...config.TRIAGE_INTENTS, 'other'])]);
    let embedder: UseMultilingualEmbedder;
    try {
      embedder = await UseMultilingualEmbedder.create(config.TRIAGE_ENCODER_DIR);
    } catch (error) {
      if (error instanceof EmbeddingModelMissingError) throw new ConfigError([`TRIAGE_ENCODER_DIR: ${error.message}`]);
      throw error;
    }
    const index = await ExampleIndex.build(examples, embedder, { k: config.TRIAGE_NEIGHBOURS });
    new JsonLogger('triage').info('labelled examples indexed', { examples: index.size, calibration: index.calibration });
    return [
      { provide: TRIAGE_CONFIG, useValue: config },
      { provide: LlmPort, useValue: createLlm(policy) },
      { provide: ExampleIndex, useValue: index },
      { provide: LLM_PROVIDER_KINDS, useValue: Object.fromEntries(Object.entries(policy.providers).map(([name, p]) => [name, p.kind])) },
    ];
  },
});
