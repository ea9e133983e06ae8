import { EmbeddingPort } from '../embeddings/embedding.port';
import { keywordTerms, termIndex } from '../store/keyword';

/**
 * Deterministic bag-of-words embedder for unit tests: texts sharing terms get close vectors, with no model files.
 * Counts calls so tests can assert "nothing was re-embedded".
 *
 * @example
 * const embedder = new HashingEmbedder(64);
 */
export class HashingEmbedder extends EmbeddingPort {
  readonly modelId = 'hashing-test';
  calls = 0;
  textsEmbedded = 0;

  constructor(readonly dimension = 64) {
    super();
  }

  override async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    this.textsEmbedded += texts.length;
    return texts.map((text) => {
      const v = new Array<number>(this.dimension).fill(0);
      for (const term of keywordTerms(text)) v[termIndex(term) % this.dimension]! += 1;
      v[0]! += 1e-3; // no zero vectors, even for empty text
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
  }
}
