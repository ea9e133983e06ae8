import { readFileSync } from 'node:fs';

/** Token ids and attention mask of one text, `[CLS] … [SEP]`, truncated to `maxTokens`. */
export interface Encoding {
  ids: number[];
  attentionMask: number[];
}

/**
 * BERT WordPiece tokenizer (uncased) as in Hugging Face `tokenizers`: BertNormalizer (clean text, CJK spacing,
 * lowercase, strip accents), BertPreTokenizer (whitespace + punctuation split), greedy longest-match WordPiece with
 * `##` continuations, `[CLS]`/`[SEP]` template. Reads the vocabulary from a `tokenizer.json`.
 *
 * @example
 * const tokenizer = WordPieceTokenizer.fromFile(join(modelDir, 'tokenizer.json'));
 * tokenizer.encode('Reset the cache'); // { ids: [101, 25141, 1996, 17053, 102], attentionMask: [1, 1, 1, 1, 1] }
 */
export class WordPieceTokenizer {
  private readonly cls: number;
  private readonly sep: number;
  private readonly unk: number;

  constructor(
    private readonly vocab: Map<string, number>,
    private readonly options: { maxTokens?: number; maxInputCharsPerWord?: number; prefix?: string } = {},
  ) {
    const id = (token: string) => {
      const value = vocab.get(token);
      if (value === undefined) throw new Error(`tokenizer vocabulary lacks ${token}`);
      return value;
    };
    this.cls = id('[CLS]');
    this.sep = id('[SEP]');
    this.unk = id('[UNK]');
  }

  /** Loads the WordPiece vocabulary of a Hugging Face `tokenizer.json`. */
  static fromFile(path: string, maxTokens = 256): WordPieceTokenizer {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { model?: { type?: string; vocab?: Record<string, number>; max_input_chars_per_word?: number; continuing_subword_prefix?: string } };
    if (json.model?.type !== 'WordPiece' || !json.model.vocab) throw new Error(`${path} is not a WordPiece tokenizer.json`);
    return new WordPieceTokenizer(new Map(Object.entries(json.model.vocab)), {
      maxTokens,
      maxInputCharsPerWord: json.model.max_input_chars_per_word,
      prefix: json.model.continuing_subword_prefix,
    });
  }

  encode(text: string): Encoding {
    const max = (this.options.maxTokens ?? 256) - 2;
    const ids: number[] = [];
    for (const word of preTokenize(normalize(text))) {
      for (const id of this.wordPiece(word)) {
        if (ids.length === max) break;
        ids.push(id);
      }
      if (ids.length === max) break;
    }
    const all = [this.cls, ...ids, this.sep];
    return { ids: all, attentionMask: all.map(() => 1) };
  }

  private wordPiece(word: string): number[] {
    const chars = [...word];
    if (chars.length > (this.options.maxInputCharsPerWord ?? 100)) return [this.unk];
    const prefix = this.options.prefix ?? '##';
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unk]; // a word with any unknown piece becomes one [UNK], as in BERT
      out.push(found);
      start = end;
    }
    return out;
  }
}

function normalize(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) out += ' ';
    else if (isCjk(cp)) out += ` ${ch} `;
    else out += ch;
  }
  // strip_accents follows lowercase when unset: NFD, then drop combining marks.
  return out.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
}

function preTokenize(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    if (ch === ' ') {
      if (current) words.push(current);
      current = '';
    } else if (isPunctuation(ch)) {
      if (current) words.push(current);
      words.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) words.push(current);
  return words;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /\p{Zs}/u.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /\p{Cc}|\p{Cf}/u.test(ch);
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
