export { GatewayAdminClient, GatewayClient, GatewayClientError } from './gateway-client';
export type { Approval, ApprovalPreview, GatewayClientOptions, GatewayVerdict } from './gateway-client';
