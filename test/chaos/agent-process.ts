// An agent as its own process through the agents' real entry path (runAgentMain: config, health, consumer, shutdown),
// with only the model swapped for a named test double: the scripted support model (test/support/scripted-support-model.ts)
// for triage and resolver. Retrieval and the verifier need no model and run from dist/ as built.
// Usage: node -r libs/llm/test/support/swc-register.js test/chaos/agent-process.ts triage|resolver
import 'reflect-metadata';
import { HttpToolGateway, runAgentMain, ToolGateway } from '@switchboard/agent-kit';
import { LlmPort } from '@switchboard/llm';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { RESOLVER_CONFIG, ResolverConfigSchema } from '../../apps/resolver/src/resolver.config';
import { ResolverService } from '../../apps/resolver/src/resolver.service';
import { UseMultilingualEmbedder } from '@switchboard/memory';
import { ExampleIndex } from '../../apps/triage/src/classification/example-index';
import { loadTriageExamples } from '../../apps/triage/src/classification/examples.loader';
import { TRIAGE_CONFIG, TriageConfigSchema } from '../../apps/triage/src/triage.config';
import { TriageService } from '../../apps/triage/src/triage.service';
import { scriptedSupportModel } from '../support/scripted-support-model';

const agent = process.argv[2];
const model = () => ({ provide: LlmPort, useValue: new ScriptedLlm(scriptedSupportModel()) });

switch (agent) {
  case 'triage':
    void runAgentMain({
      agent: 'triage', schema: TriageConfigSchema, handler: TriageService,
      // The labelled-examples signal as deployed (the real multilingual encoder); only the model is the scripted double.
      providers: async (config) => {
        const examples = loadTriageExamples(config.TRIAGE_EXAMPLES_FILE, [...new Set([...config.TRIAGE_INTENTS, 'other'])]);
        const index = await ExampleIndex.build(examples, await UseMultilingualEmbedder.create(config.TRIAGE_ENCODER_DIR), { k: config.TRIAGE_NEIGHBOURS });
        return [{ provide: TRIAGE_CONFIG, useValue: config }, { provide: ExampleIndex, useValue: index }, model()];
      },
    });
    break;
  case 'resolver':
    void runAgentMain({
      agent: 'resolver', schema: ResolverConfigSchema, handler: ResolverService,
      providers: (config) => [
        { provide: RESOLVER_CONFIG, useValue: config }, model(),
        { provide: ToolGateway, useValue: new HttpToolGateway(config.GATEWAY_URL, config.GATEWAY_TIMEOUT_MS, config.GATEWAY_AGENT_KEY) },
      ],
    });
    break;
  default:
    process.stderr.write(`usage: agent-process.ts triage|resolver (got ${agent ?? 'nothing'})\n`);
    process.exit(2);
}
