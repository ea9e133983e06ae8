/** DI token of the gateway's pg pool. */
export const GATEWAY_POOL = 'GATEWAY_POOL';
