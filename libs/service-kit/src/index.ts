// What every HTTP service shares, agent or not: health and readiness endpoints, and the process guards main.ts uses.
export * from './health.controller';
export * from './process-guards';
export * from './metrics.module';
