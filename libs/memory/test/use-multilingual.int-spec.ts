/** @jest-environment ./libs/memory/test/support/native-typed-arrays.environment.js */
import { mkdtempSync, readdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENCODER_DIR, EmbeddingModelMissingError, MAX_TOKENS, UseMultilingualEmbedder } from '@switchboard/memory';
import reference from './fixtures/use-multilingual-reference.json';

// Real: triage's multilingual encoder (scripts/fetch-encoder) as an ONNX graph on onnxruntime-node, compared with the
// reference implementation's own output (fixtures/use-multilingual-reference.py, the PyPI package's NumPy forward pass).
// Missing files fail this suite with EmbeddingModelMissingError naming the fetch command — never a skip.
const MODEL_DIR = process.env.TRIAGE_ENCODER_DIR ?? DEFAULT_ENCODER_DIR;
let sut: UseMultilingualEmbedder;

beforeAll(async () => {
  sut = await UseMultilingualEmbedder.create(MODEL_DIR);
}, 60_000);

afterAll(async () => {
  await sut?.close();
});

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('UseMultilingualEmbedder (real model)', () => {
  it('tokenizes exactly like the reference SentencePiece model, <s> and </s> included', () => {
    for (const c of reference.cases) expect({ text: c.text, ids: sut.tokenize(c.text) }).toEqual({ text: c.text, ids: c.ids });
  });

  it('reproduces the reference vectors in seven languages (cosine > 0.9999) as 512-dim unit vectors', async () => {
    const vectors = await sut.embed(reference.cases.map((c) => c.text));
    vectors.forEach((v, i) => {
      expect(v).toHaveLength(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      expect({ text: reference.cases[i]!.text, cosine: dot(v, reference.cases[i]!.vector) > 0.9999 }).toEqual({ text: reference.cases[i]!.text, cosine: true });
    });
  });

  it('maps a question and its translations together, apart from an unrelated one', async () => {
    const [en, fr, de, other] = await sut.embed([
      'My account is locked after too many login attempts',
      'Mon compte est bloqué après trop de tentatives de connexion',
      'Mein Konto ist nach zu vielen Anmeldeversuchen gesperrt',
      'Please refund the duplicate charge on my invoice',
    ]);
    expect(dot(en!, fr!)).toBeGreaterThan(dot(en!, other!) + 0.3);
    expect(dot(en!, de!)).toBeGreaterThan(dot(en!, other!) + 0.3);
    expect(dot(fr!, de!)).toBeGreaterThan(dot(fr!, other!) + 0.3);
  });

  it('embeds a text the same alone or in a batch, and cuts a very long one at MAX_TOKENS', async () => {
    const [alone] = await sut.embed(['short']);
    const [, batched] = await sut.embed(['something else entirely', 'short']);
    expect(batched).toEqual(alone);
    const long = 'The export job fails again. '.repeat(400);
    expect(sut.tokenize(long)).toHaveLength(MAX_TOKENS);
    const [cut] = await sut.embed([long]);
    expect(Math.hypot(...cut!)).toBeCloseTo(1, 5);
    expect(await sut.embed([])).toEqual([]);
  });
});

describe('UseMultilingualEmbedder.create', () => {
  it('names scripts/fetch-encoder when the directory is empty or a weight file is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'use-empty-'));
    const partial = mkdtempSync(join(tmpdir(), 'use-partial-'));
    try {
      await expect(UseMultilingualEmbedder.create(empty)).rejects.toThrow(EmbeddingModelMissingError);
      await expect(UseMultilingualEmbedder.create(empty)).rejects.toThrow(/scripts\/fetch-encoder/);
      for (const f of readdirSync(MODEL_DIR)) if (f !== 'd3.npy') copyFileSync(join(MODEL_DIR, f), join(partial, f));
      await expect(UseMultilingualEmbedder.create(partial)).rejects.toThrow(/scripts\/fetch-encoder/);
      // A truncated weight file is refused the same way, not read as garbage.
      writeFileSync(join(partial, 'd3.npy'), Buffer.from('\x93NUMPY\x01\x00v\x00{\'descr\': \'<f4\', \'fortran_order\': False, \'shape\': (512, 512), }', 'latin1'));
      await expect(UseMultilingualEmbedder.create(partial)).rejects.toThrow(EmbeddingModelMissingError);
    } finally {
      rmSync(empty, { recursive: true, force: true });
      rmSync(partial, { recursive: true, force: true });
    }
  });
});
