import 'reflect-metadata';
import { HttpToolGateway, runAgentMain, ToolGateway } from '@switchboard/agent-kit';
import { createLlm, LlmPort, loadLlmPolicy } from '@switchboard/llm';
import { RESOLVER_CONFIG, ResolverConfigSchema } from './resolver.config';
import { ResolverService } from './resolver.service';

void runAgentMain({
  agent: 'resolver',
  schema: ResolverConfigSchema,
  handler: ResolverService,
  providers: async (config) => [
    { provide: RESOLVER_CONFIG, useValue: config },
    { provide: LlmPort, useValue: createLlm(loadLlmPolicy(config)) },
    { provide: ToolGateway, useValue: new HttpToolGateway(config.GATEWAY_URL, config.GATEWAY_TIMEOUT_MS, config.GATEWAY_AGENT_KEY) },
  ],
});
