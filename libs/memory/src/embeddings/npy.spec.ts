import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from './npy';

/** An .npy file as NumPy writes it: magic, version 1.0, header padded with spaces to a multiple of 64 bytes, data. */
function npy(descr: string, shape: number[], data: Buffer, fortran = false): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), len, Buffer.from(header, 'latin1'), data]);
}

describe('readNpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it('reads float32 matrices, uint8 tables and float64 scalars with their shapes', () => {
    const m = readNpy(file('m.npy', npy('<f4', [2, 3], Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6.5).buffer))));
    expect(m.shape).toEqual([2, 3]);
    expect(m.data).toBeInstanceOf(Float32Array);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(Array.from(readNpy(file('u.npy', npy('|u1', [4], Buffer.from([0, 7, 128, 255])))).data)).toEqual([0, 7, 128, 255]);
    const scalar = readNpy(file('s.npy', npy('<f8', [], Buffer.from(Float64Array.of(1e-6).buffer))));
    expect(scalar.shape).toEqual([]);
    expect(scalar.data[0]).toBe(1e-6);
  });

  it('refuses what it cannot read, naming the file and the reason', () => {
    expect(() => readNpy(file('bad.npy', Buffer.from('PK\x03\x04 not npy')))).toThrow(/bad\.npy.*bad magic/);
    expect(() => readNpy(file('f.npy', npy('<f4', [2], Buffer.alloc(8), true)))).toThrow(/C-ordered/);
    expect(() => readNpy(file('c.npy', npy('<c8', [1], Buffer.alloc(8))))).toThrow(/unsupported dtype <c8/);
    expect(() => readNpy(file('t.npy', npy('<f4', [4, 4], Buffer.alloc(12))))).toThrow(/truncated/);
  });
});
