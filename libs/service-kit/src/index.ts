// What every HTTP service shares, agent or not: health and readiness endpoints, the error filter, the process guards
// main.ts uses, and /metrics.
export * from './health.controller';
export * from './http-error.filter';
export * from './process-guards';
export * from './metrics.module';
