export * from './health.controller';
export * from './agent-worker';
