import { WordPieceTokenizer } from './wordpiece.tokenizer';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'reset', 'the', 'cache', 'un', '##lock', '##ed', 'cafe', '!', '-', 'new', 'dashboard', '中'];
const sut = (maxTokens = 256) => new WordPieceTokenizer(new Map(VOCAB.map((t, i) => [t, i])), { maxTokens });
const tokens = (text: string, maxTokens?: number) => sut(maxTokens).encode(text).ids.map((id) => VOCAB[id]);

describe('WordPieceTokenizer', () => {
  it('lowercases, wraps in [CLS]/[SEP] and masks every token', () => {
    expect(tokens('Reset THE cache')).toEqual(['[CLS]', 'reset', 'the', 'cache', '[SEP]']);
    expect(sut().encode('reset').attentionMask).toEqual([1, 1, 1]);
  });

  it('splits words into longest-match ## subwords', () => {
    expect(tokens('unlocked')).toEqual(['[CLS]', 'un', '##lock', '##ed', '[SEP]']);
  });

  it('splits punctuation into its own tokens and strips accents', () => {
    expect(tokens('new-dashboard!')).toEqual(['[CLS]', 'new', '-', 'dashboard', '!', '[SEP]']);
    expect(tokens('Café')).toEqual(['[CLS]', 'cafe', '[SEP]']);
  });

  it('maps a word with an unknown piece to one [UNK], and spaces CJK characters', () => {
    expect(tokens('unzzz cache')).toEqual(['[CLS]', '[UNK]', 'cache', '[SEP]']);
    expect(tokens('中中')).toEqual(['[CLS]', '中', '中', '[SEP]']);
  });

  it('truncates to maxTokens including [CLS] and [SEP], and drops control characters', () => {
    expect(tokens('reset the cache reset the cache', 5)).toEqual(['[CLS]', 'reset', 'the', 'cache', '[SEP]']);
    expect(tokens('reset\u0000\u200b the\tcache')).toEqual(['[CLS]', 'reset', 'the', 'cache', '[SEP]']);
  });
});
