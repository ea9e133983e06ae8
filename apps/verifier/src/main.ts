import 'reflect-metadata';
import { HttpToolGateway, runAgentMain, ToolGateway } from '@switchboard/agent-kit';
import { VerifierConfigSchema } from './verifier.config';
import { VerifierService } from './verifier.service';

void runAgentMain({
  agent: 'verifier',
  schema: VerifierConfigSchema,
  handler: VerifierService,
  providers: (config) => [{ provide: ToolGateway, useValue: new HttpToolGateway(config.GATEWAY_URL, config.GATEWAY_TIMEOUT_MS, config.GATEWAY_AGENT_KEY) }],
});
