import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { EmbeddingError, EmbeddingModelMissingError } from '../memory.errors';
import { EmbeddingPort } from './embedding.port';
import { WordPieceTokenizer } from './wordpiece.tokenizer';

export const MINILM_MODEL_FILE = 'all-minilm-l6-v2-q.onnx';
export const MINILM_TOKENIZER_FILE = 'tokenizer.json';
// One text per run: the model is dynamically int8-quantised, so activation scales are computed over the whole input
// tensor and padding or batch partners shift a text's vector (~2.5% cosine). Per-text runs keep vectors reproducible.
const BATCH = 1;

/**
 * Local sentence embeddings: all-MiniLM-L6-v2 (int8-quantised ONNX, 384 dims) run in-process with onnxruntime-node,
 * our own WordPiece tokenizer (max 256 tokens), one text per run (see BATCH), mean pooling over the attention mask and L2 normalisation — the
 * sentence-transformers recipe. Model files come from `scripts/fetch-embeddings`; {@link create} fails with
 * `EmbeddingModelMissingError` naming that command when they are absent.
 *
 * @example
 * const embedder = await OnnxMiniLmEmbedder.create(config.MEMORY_EMBEDDINGS_DIR);
 * const [a, b] = await embedder.embed(['reset tenant cache', 'clear the cache of a tenant']);
 */
export class OnnxMiniLmEmbedder extends EmbeddingPort {
  readonly modelId = 'all-minilm-l6-v2-q';
  readonly dimension: number;

  private constructor(
    private readonly session: Session,
    private readonly tokenizer: WordPieceTokenizer,
    private readonly ort: typeof import('onnxruntime-node'),
    dimension: number,
  ) {
    super();
    this.dimension = dimension;
  }

  /**
   * A service embeds one ticket-sized text at a time, with gaps between. For that, onnxruntime's defaults (one intra-op
   * thread per core, idle threads spin-waiting for the next operator) cost about three times the CPU of one thread
   * for the same latency: on 2 cores, 12.0 ms of CPU per embedding against 3.7 ms, p50 3.1 against 3.4 ms
   * (`npm run bench:embeddings`). CPU the embedder burns is CPU the local model and the pipeline do not get.
   *
   * @param options.threads intra-op threads (default 1; 0 is onnxruntime's default, one per core: lower latency only
   *   for long inputs)
   * @param options.spin let idle intra-op threads spin-wait (default off)
   */
  static async create(modelDir: string, options: { maxTokens?: number; threads?: number; spin?: boolean } = {}): Promise<OnnxMiniLmEmbedder> {
    const modelPath = join(modelDir, MINILM_MODEL_FILE);
    const tokenizerPath = join(modelDir, MINILM_TOKENIZER_FILE);
    if (!existsSync(modelPath) || !existsSync(tokenizerPath)) throw new EmbeddingModelMissingError(modelDir);
    // Loaded lazily so code paths that never embed (e.g. unit tests with doubles) don't load the native library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    let session: Session;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: options.threads ?? 1,
        graphOptimizationLevel: 'all',
        // Session config entry `session.intra_op.allow_spinning` (onnxruntime's session options keys).
        extra: { session: { intra_op: { allow_spinning: options.spin ? '1' : '0' } } },
      });
    } catch (error) {
      throw new EmbeddingModelMissingError(modelDir, error);
    }
    const tokenizer = WordPieceTokenizer.fromFile(tokenizerPath, options.maxTokens ?? 256);
    const probe = new OnnxMiniLmEmbedder(session, tokenizer, ort, 0);
    // The dimension comes from the model itself, not from a constant.
    const [vector] = await probe.embed(['dimension probe']);
    return new OnnxMiniLmEmbedder(session, tokenizer, ort, vector!.length);
  }

  override async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) out.push(...(await this.embedBatch(texts.slice(i, i + BATCH))));
    return out;
  }

  /** Releases the native session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const encodings = texts.map((t) => this.tokenizer.encode(t));
    const seq = Math.max(...encodings.map((e) => e.ids.length));
    const ids = new BigInt64Array(texts.length * seq);
    const mask = new BigInt64Array(texts.length * seq);
    encodings.forEach((e, row) => {
      e.ids.forEach((id, col) => {
        ids[row * seq + col] = BigInt(id);
        mask[row * seq + col] = 1n;
      });
    });
    const shape = [texts.length, seq];
    let hidden: Float32Array;
    let width: number;
    try {
      const result = await this.session.run({
        input_ids: new this.ort.Tensor('int64', ids, shape),
        attention_mask: new this.ort.Tensor('int64', mask, shape),
        token_type_ids: new this.ort.Tensor('int64', new BigInt64Array(texts.length * seq), shape),
      });
      const output = result.last_hidden_state ?? Object.values(result)[0]!;
      hidden = output.data as Float32Array;
      width = output.dims[2]!;
    } catch (error) {
      throw new EmbeddingError(`onnx embedding of ${texts.length} texts failed: ${(error as Error).message}`, error);
    }
    return encodings.map((e, row) => {
      const pooled = new Array<number>(width).fill(0);
      const n = e.ids.length;
      for (let t = 0; t < n; t++) {
        const base = (row * seq + t) * width;
        for (let d = 0; d < width; d++) pooled[d]! += hidden[base + d]!;
      }
      const norm = Math.hypot(...pooled.map((x) => x / n)) || 1;
      return pooled.map((x) => x / n / norm);
    });
  }
}
