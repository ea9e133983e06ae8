// Lets a plain `node` process run the repo's TypeScript: compiles .ts with @swc/core (the compiler Jest uses here)
// and resolves the @switchboard/* aliases. Needed because node-llama-cpp is ESM with top-level await, which cannot be
// loaded inside Jest's VM; the real-inference test and the benchmark run the adapter in a child `node` instead.
// Usage: node -r ./libs/llm/test/support/swc-register.js <file.ts>
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const ROOT = path.resolve(__dirname, '../../../..');
const ALIAS = /^@switchboard\/([a-z-]+)(\/testing)?$/;

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = ALIAS.exec(request);
  if (m) request = path.join(ROOT, 'libs', m[1], 'src', m[2] ? 'testing/index.ts' : 'index.ts');
  return resolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    // ignoreDynamic keeps `import('node-llama-cpp')` a real dynamic import.
    module: { type: 'commonjs', ignoreDynamic: true },
  });
  module._compile(code, filename);
};
