export * from './migrations';
export * from './pool';
