// Three tiers (STYLE.md §9): unit specs next to the code, integration specs per app/lib (and per example) on the real
// broker and database, cross-service e2e in test/e2e. `npm test` runs all of them in band.
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs', ignoreDynamic: true },
}];
const moduleNameMapper = {
  '^@switchboard/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
  '^@switchboard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
};
// ESM-only packages the code loads with require() (Node ≥ 20.19 does that natively; Jest's module system does not):
// compiled to CommonJS by swc in tests.
const esmOnly = ['@marcbachmann/cel-js'];
const swcJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc, [`node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper, testEnvironment: 'node', setupFiles: ['<rootDir>/test/support/quiet-logs.ts'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,examples}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,examples}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      // The stack runs the real ONNX embedding model, whose native code needs this realm's typed arrays.
      testEnvironment: '<rootDir>/libs/memory/test/support/native-typed-arrays.environment.js',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
