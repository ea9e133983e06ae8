export { GatewayTokenConfigSchema, TaskTokenError, TaskTokenIssuer, verifyTaskToken } from './task-token';
export type { GatewayTokenConfig, TaskTokenRequest } from './task-token';
export { GatewayAdminClient, GatewayClient, GatewayClientError } from './gateway-client';
export type { Approval, GatewayClientOptions } from './gateway-client';
