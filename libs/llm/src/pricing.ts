import { roundUsd, type TokenUsage } from './llm.port';

/** USD per million tokens for one model. Cache prices default to the input price. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
}

/**
 * Estimates call cost from configured prices (model id → price). Unknown models cost 0 and are listed by
 * `unpricedModels()` so an operator can see what is missing from the price list.
 *
 * @example
 * const book = new PriceBook({ 'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMTok: 0.8, outputPerMTok: 4 } });
 * book.usage('anthropic.claude-3-5-haiku-20241022-v1:0', { inputTokens: 1000, outputTokens: 200 }).costUsd; // 0.0016
 */
export class PriceBook {
  private readonly unpriced = new Set<string>();

  constructor(private readonly prices: Record<string, ModelPrice> = {}) {}

  /** Builds a {@link TokenUsage} with its estimated cost. `inputTokens` includes any cached tokens. */
  usage(model: string, tokens: { inputTokens: number; outputTokens: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number }): TokenUsage {
    const price = this.prices[model];
    const cr = tokens.cacheReadInputTokens ?? 0;
    const cw = tokens.cacheWriteInputTokens ?? 0;
    let costUsd = 0;
    if (price) {
      const fresh = Math.max(0, tokens.inputTokens - cr - cw);
      costUsd = roundUsd(
        (fresh * price.inputPerMTok +
          cr * (price.cacheReadPerMTok ?? price.inputPerMTok) +
          cw * (price.cacheWritePerMTok ?? price.inputPerMTok) +
          tokens.outputTokens * price.outputPerMTok) / 1e6,
      );
    } else {
      this.unpriced.add(model);
    }
    const usage: TokenUsage = { inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, costUsd };
    if (cr) usage.cacheReadInputTokens = cr;
    if (cw) usage.cacheWriteInputTokens = cw;
    return usage;
  }

  /** Models seen without a configured price (their cost was counted as 0). */
  unpricedModels(): string[] {
    return [...this.unpriced];
  }
}
