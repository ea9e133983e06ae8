export { GatewayTokenConfigSchema, sealTaskToken, TaskTokenError, TaskTokenIssuer, verifyTaskToken } from './task-token';
export type { GatewayTokenConfig, TaskTokenRequest } from './task-token';
export {
  AGENT_PROOF_SEPARATOR, bindTaskToken, GatewayAgentConfigSchema, GatewayAgentKeysConfigSchema, splitBoundToken, verifyAgentProof,
} from './agent-binding';
export type { GatewayAgentConfig, GatewayAgentKeysConfig } from './agent-binding';
export { GatewayAdminClient, GatewayClient, GatewayClientError } from './gateway-client';
export type { Approval, GatewayClientOptions } from './gateway-client';
