export * from './errors';
export * from './config';
export * from './logger';
export * from './tracing';
export * from './dependency';
export * from './secret-text';
export * from './metrics';
