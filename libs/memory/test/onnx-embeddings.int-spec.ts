/** @jest-environment ./libs/memory/test/support/native-typed-arrays.environment.js */
import { join } from 'node:path';
import { DEFAULT_EMBEDDINGS_DIR, MINILM_TOKENIZER_FILE, OnnxMiniLmEmbedder, WordPieceTokenizer } from '@switchboard/memory';
import golden from './fixtures/tokenizer-golden.json';

// Real: the all-MiniLM-L6-v2 ONNX model (scripts/fetch-embeddings) on onnxruntime-node. Missing files fail this
// suite with EmbeddingModelMissingError naming the fetch command — never a skip.
const MODEL_DIR = process.env.MEMORY_EMBEDDINGS_DIR ?? DEFAULT_EMBEDDINGS_DIR;
let sut: OnnxMiniLmEmbedder;

beforeAll(async () => {
  sut = await OnnxMiniLmEmbedder.create(MODEL_DIR);
}, 60_000);

afterAll(async () => {
  await sut?.close();
});

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('OnnxMiniLmEmbedder (real model)', () => {
  it('tokenizes exactly like Hugging Face tokenizers on the shipped tokenizer.json', () => {
    const tokenizer = WordPieceTokenizer.fromFile(join(MODEL_DIR, MINILM_TOKENIZER_FILE));
    for (const c of golden.cases) expect({ text: c.text, ids: tokenizer.encode(c.text).ids }).toEqual(c);
  });

  it('takes its 384 dimensions from the model and returns unit vectors', async () => {
    const [v] = await sut.embed(['reset the tenant cache']);
    expect(sut.dimension).toBe(384);
    expect(v).toHaveLength(384);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 4);
  });

  it('scores semantically close texts higher than unrelated ones', async () => {
    const [cache, cacheParaphrase, refund, refundParaphrase, weather] = await sut.embed([
      'The dashboard is broken after the new-dashboard flag was enabled for the tenant',
      'Tenant dashboard shows errors since we switched on the feature flag',
      'How do I refund part of an invoice for a customer?',
      'Customer wants some money back on their bill',
      'It will rain tomorrow in the mountains',
    ]);
    expect(dot(cache!, cacheParaphrase!)).toBeGreaterThan(dot(cache!, refund!) + 0.2);
    expect(dot(cache!, cacheParaphrase!)).toBeGreaterThan(dot(cache!, weather!) + 0.2);
    expect(dot(refund!, refundParaphrase!)).toBeGreaterThan(dot(refund!, cacheParaphrase!) + 0.2);
    expect(dot(refund!, refundParaphrase!)).toBeGreaterThan(dot(refund!, weather!) + 0.2);
  });

  it('gives a text the same vector alone or next to others (no padding effects)', async () => {
    const texts = ['short', 'a much longer sentence about unlocking an account after too many failed login attempts'];
    const [alone] = await sut.embed([texts[0]!]);
    const [batched] = await sut.embed(texts);
    expect(batched).toEqual(alone);
    expect(await sut.embed([])).toEqual([]);
  });
});
