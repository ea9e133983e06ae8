/** Sparse unit vector: n-gram → weight. */
export type SparseVector = Map<string, number>;

const SIZES = [3, 4, 5];

/** Lower-cased, accents folded, punctuation to single spaces, padded so word starts and ends are n-grams too. */
function normalise(text: string): string {
  return ` ${text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

function counts(text: string): Map<string, number> {
  const t = normalise(text);
  const out = new Map<string, number>();
  for (const n of SIZES) {
    for (let i = 0; i + n <= t.length; i++) {
      const gram = t.slice(i, i + n);
      out.set(gram, (out.get(gram) ?? 0) + 1);
    }
  }
  return out;
}

/**
 * TF-IDF over character 3–5-grams, fitted on a fixed corpus (the labelled examples). Sub-word pieces carry across
 * inflections and related languages ("rembours", "erstatt", "reembols") where the English-trained sentence model is
 * weak. Written here rather than taken from a library: the maintained text libraries tokenise into words, and this is
 * the whole algorithm.
 *
 * Similarities are accumulated through an inverted index (n-gram → the corpus entries holding it, with their weights):
 * a query touches only the entries that share an n-gram with it, once per shared n-gram. Comparing the query with every
 * entry's vector in turn made triage's vote 18–22 ms per ticket and its start-up 13 s once whole tickets joined the
 * one-line examples (691 entries); with the index, the same arithmetic, 6–7 ms and 4 s (encoder included).
 *
 * @example
 * const index = CharNgramIndex.fit(['remboursez la facture', 'compte bloqué']);
 * index.similarities('remboursement de facture'); // [0.4…, 0.0…]
 */
export class CharNgramIndex {
  private constructor(
    private readonly idf: Map<string, number>,
    /** n-gram → the entries holding it and its weight in each (unit vectors, so a sum of products is a cosine). */
    private readonly postings: Map<string, { entries: number[]; weights: number[] }>,
    private readonly size: number,
  ) {}

  static fit(corpus: readonly string[]): CharNgramIndex {
    const grams = corpus.map(counts);
    const df = new Map<string, number>();
    for (const g of grams) for (const k of g.keys()) df.set(k, (df.get(k) ?? 0) + 1);
    const idf = new Map([...df].map(([k, n]) => [k, Math.log((corpus.length + 1) / (n + 1)) + 1]));
    const index = new CharNgramIndex(idf, new Map(), corpus.length);
    grams.forEach((g, entry) => {
      for (const [k, w] of index.weigh(g)) {
        let list = index.postings.get(k);
        if (!list) index.postings.set(k, (list = { entries: [], weights: [] }));
        list.entries.push(entry);
        list.weights.push(w);
      }
    });
    return index;
  }

  /** Cosine similarity of `text` to every corpus entry, in corpus order. N-grams unseen in the corpus are ignored. */
  similarities(text: string): number[] {
    const out = new Array<number>(this.size).fill(0);
    for (const [k, w] of this.weigh(counts(text))) {
      const list = this.postings.get(k)!;
      for (let i = 0; i < list.entries.length; i++) out[list.entries[i]!]! += w * list.weights[i]!;
    }
    return out;
  }

  private weigh(grams: Map<string, number>): SparseVector {
    const v: SparseVector = new Map();
    let norm = 0;
    for (const [k, c] of grams) {
      const idf = this.idf.get(k);
      if (idf === undefined) continue;
      const w = (1 + Math.log(c)) * idf;
      v.set(k, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [k, w] of v) v.set(k, w / norm);
    return v;
  }
}
