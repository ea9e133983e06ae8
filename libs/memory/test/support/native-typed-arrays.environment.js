// Jest runs each test file in its own VM realm, so typed arrays created there are not `instanceof` the native ones
// onnxruntime-node's binding produces (its Tensor constructor checks `data instanceof Float32Array` and throws).
// This environment shares the host realm's typed-array constructors with the test realm. Use it in any spec that
// runs OnnxMiniLmEmbedder:  /** @jest-environment ./libs/memory/test/support/native-typed-arrays.environment.js */
const { TestEnvironment } = require('jest-environment-node');

const TYPED = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer'];

class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
