import 'reflect-metadata';
import { runAgentMain } from '@switchboard/agent-kit';
import { createLlm, LlmPort, loadLlmPolicy } from '@switchboard/llm';
import { TRIAGE_CONFIG, TriageConfigSchema } from './triage.config';
import { TriageService } from './triage.service';

void runAgentMain({
  agent: 'triage',
  schema: TriageConfigSchema,
  handler: TriageService,
  providers: async (config) => [
    { provide: TRIAGE_CONFIG, useValue: config },
    { provide: LlmPort, useValue: createLlm(loadLlmPolicy(config)) },
  ],
});
