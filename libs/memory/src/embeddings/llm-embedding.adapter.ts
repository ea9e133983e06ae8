import { EmbeddingError } from '../memory.errors';
import { EmbeddingPort } from './embedding.port';

/**
 * Anything that embeds texts the way `@switchboard/llm`'s `LlmPort.embed(texts, ctx)` does (Bedrock Titan,
 * Ollama). Structural, so this library does not depend on `@switchboard/llm`.
 */
export interface TextEmbedder<Ctx = unknown> {
  embed(texts: string[], ctx: Ctx): Promise<number[][]>;
}

/**
 * {@link EmbeddingPort} over an LLM provider's embeddings. The dimension is learned from the provider on
 * {@link create} (one probe call), so collections match whatever model the region uses. Vectors are
 * L2-normalised here because providers differ (Titan can return unnormalised vectors).
 *
 * @example
 * const embedder = await LlmEmbeddingAdapter.create(llm, { modelId: 'amazon.titan-embed-text-v2:0', ctx: { region: 'eu' } });
 */
export class LlmEmbeddingAdapter<Ctx = unknown> extends EmbeddingPort {
  private constructor(
    private readonly llm: TextEmbedder<Ctx>,
    private readonly ctx: Ctx,
    readonly modelId: string,
    readonly dimension: number,
    private readonly batchSize: number,
  ) {
    super();
  }

  static async create<Ctx>(llm: TextEmbedder<Ctx>, options: { modelId: string; ctx: Ctx; batchSize?: number }): Promise<LlmEmbeddingAdapter<Ctx>> {
    const probe = await call(llm, ['dimension probe'], options.ctx);
    const dimension = probe[0]?.length ?? 0;
    if (dimension === 0) throw new EmbeddingError(`embedding provider for ${options.modelId} returned no vector`);
    return new LlmEmbeddingAdapter(llm, options.ctx, options.modelId, dimension, options.batchSize ?? 32);
  }

  override async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const vectors = await call(this.llm, batch, this.ctx);
      if (vectors.length !== batch.length || vectors.some((v) => v.length !== this.dimension)) {
        throw new EmbeddingError(`embedding provider for ${this.modelId} returned ${vectors.length} vectors for ${batch.length} texts, or a dimension other than ${this.dimension}`);
      }
      out.push(...vectors.map(normalise));
    }
    return out;
  }
}

async function call<Ctx>(llm: TextEmbedder<Ctx>, texts: string[], ctx: Ctx): Promise<number[][]> {
  try {
    return await llm.embed(texts, ctx);
  } catch (error) {
    if (error instanceof EmbeddingError) throw error;
    throw new EmbeddingError(`embedding provider failed: ${(error as Error)?.message ?? String(error)}`, error);
  }
}

function normalise(v: number[]): number[] {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
