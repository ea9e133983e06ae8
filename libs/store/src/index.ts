export * from './migrations';
export * from './pool';
export * from './processed-ledger';
export * from './outbox';
export * from './migrate-all';
export * from './outbox-metrics';
export * from './retention';
