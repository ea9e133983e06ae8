export { GatewayAdminClient, GatewayClient, GatewayClientError } from './gateway-client';
export type { Approval, GatewayClientOptions } from './gateway-client';
