export { GatewayAdminClient, GatewayClient, GatewayClientError } from './gateway-client';
export type { Approval, GatewayClientOptions, GatewayVerdict } from './gateway-client';
