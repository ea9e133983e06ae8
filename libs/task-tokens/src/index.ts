// Task tokens: the supervisor issues them, agents bind them to their own key, the gateway verifies both. One small lib
// of its own, so that neither the gateway (the verifier) nor the supervisor (the issuer) imports the agents' HTTP
// client to get at them.
export { GatewayTokenConfigSchema, sealTaskToken, TaskTokenError, TaskTokenIssuer, verifyTaskToken } from './task-token';
export type { GatewayTokenConfig, TaskTokenRequest } from './task-token';
export {
  AGENT_PROOF_SEPARATOR, bindTaskToken, GatewayAgentConfigSchema, GatewayAgentKeysConfigSchema, splitBoundToken, verifyAgentProof,
} from './agent-binding';
export type { GatewayAgentConfig, GatewayAgentKeysConfig } from './agent-binding';
