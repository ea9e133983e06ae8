export * from './fake-tool-gateway';
