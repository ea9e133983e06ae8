/**
 * Turns texts into dense vectors. `dimension` comes from the model, and collections are created to match it.
 * Adapters: {@link OnnxMiniLmEmbedder} (local, in-process) and {@link LlmEmbeddingAdapter} (Bedrock Titan or
 * Ollama through the LLM port).
 *
 * @example
 * const [vector] = await embedder.embed(['reset the tenant cache']);
 * vector.length === embedder.dimension; // true
 */
export abstract class EmbeddingPort {
  /** Length of every vector `embed` returns. */
  abstract readonly dimension: number;
  /** Stable model name, stored with each point (e.g. `all-minilm-l6-v2-q`). */
  abstract readonly modelId: string;
  /** One vector per text, in order. Vectors are L2-normalised, so cosine = dot product. */
  abstract embed(texts: string[]): Promise<number[][]>;
}
