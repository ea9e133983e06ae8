// Lets a child process run the TypeScript sources, for tests that kill a consumer or a relay mid-flight:
//   node -r libs/bus/test/support/register-ts.js some-script.ts
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..', '..', '..', '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const alias = /^@switchboard\/([a-z-]+)(\/testing)?$/.exec(request);
  const target = alias ? path.join(root, 'libs', alias[1], 'src', alias[2] ? 'testing' : '', 'index.ts') : request;
  return resolve.call(this, target, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
