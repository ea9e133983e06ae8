export * from './agent-worker';
export * from './result-limits';
export * from './agent-runtime.module';
export * from './tool-gateway.port';
