import { readFileSync } from 'node:fs';

/** One array read from a NumPy `.npy` file: its shape and its values, row-major. */
export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array | Uint8Array | Int8Array;
}

const MAGIC = '\x93NUMPY';
const TYPES = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '|u1': Uint8Array,
  '|i1': Int8Array,
} as const;

/**
 * Reads a NumPy `.npy` file (format versions 1–3: magic, header length, a Python-literal header naming dtype, order and
 * shape, then the raw little-endian values). Only the dtypes the local encoders ship are accepted; anything else, a
 * Fortran-ordered array or a truncated file is an error naming the file. Written here because the format is twenty
 * lines and the npm readers of it target browsers (fetch) rather than files.
 *
 * @example
 * const { shape, data } = readNpy('/models/use-multilingual-v3/d0.npy'); // shape [512, 320], data Float32Array
 */
export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  const fail = (why: string): never => {
    throw new Error(`${path} is not a readable .npy array: ${why}`);
  };
  if (buf.subarray(0, 6).toString('latin1') !== MAGIC) fail('bad magic');
  const major = buf[6]!;
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? fail('no descr in header');
  if (!/'fortran_order':\s*False/.test(header)) fail('only C-ordered arrays are supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape in header');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const Type = TYPES[descr as keyof typeof TYPES] ?? fail(`unsupported dtype ${descr}`);
  const count = shape.reduce((n, d) => n * d, 1);
  if (buf.length - start < count * Type.BYTES_PER_ELEMENT) fail(`truncated: ${count} values of ${descr} expected`);
  // Copy into a fresh, aligned buffer: the file's data offset need not be a multiple of the element size.
  const bytes = new Uint8Array(count * Type.BYTES_PER_ELEMENT);
  bytes.set(buf.subarray(start, start + bytes.length));
  return { shape, data: new Type(bytes.buffer) };
}
