import { EmbeddingError } from '../memory.errors';
import { LlmEmbeddingAdapter, type TextEmbedder } from './llm-embedding.adapter';

class ScriptedEmbedder implements TextEmbedder<{ region: string }> {
  readonly calls: Array<{ texts: string[]; ctx: { region: string } }> = [];
  constructor(private readonly reply: (texts: string[]) => number[][]) {}
  async embed(texts: string[], ctx: { region: string }): Promise<number[][]> {
    this.calls.push({ texts, ctx });
    return this.reply(texts);
  }
}

describe('LlmEmbeddingAdapter', () => {
  it('learns the dimension from the provider, batches, passes ctx and normalises', async () => {
    const llm = new ScriptedEmbedder((texts) => texts.map(() => [3, 4, 0]));
    const sut = await LlmEmbeddingAdapter.create(llm, { modelId: 'titan', ctx: { region: 'eu' }, batchSize: 2 });

    const vectors = await sut.embed(['a', 'b', 'c']);

    expect(sut.dimension).toBe(3);
    expect(vectors).toEqual([[0.6, 0.8, 0], [0.6, 0.8, 0], [0.6, 0.8, 0]]);
    expect(llm.calls.map((c) => c.texts)).toEqual([['dimension probe'], ['a', 'b'], ['c']]);
    expect(llm.calls.every((c) => c.ctx.region === 'eu')).toBe(true);
  });

  it('rejects a reply of the wrong shape and wraps provider errors', async () => {
    let broken = false;
    const llm = new ScriptedEmbedder((texts) => (broken ? [[1]] : texts.map(() => [1, 0])));
    const sut = await LlmEmbeddingAdapter.create(llm, { modelId: 'ollama', ctx: { region: 'sov' } });
    broken = true;
    await expect(sut.embed(['a', 'b'])).rejects.toBeInstanceOf(EmbeddingError);

    const failing: TextEmbedder<null> = { embed: async () => { throw new Error('503 from provider'); } };
    await expect(LlmEmbeddingAdapter.create(failing, { modelId: 'x', ctx: null })).rejects.toThrow(/503 from provider/);
  });
});
