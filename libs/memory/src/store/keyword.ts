/**
 * Keyword side of hybrid search for stores without a text engine of their own (Qdrant): text becomes a sparse
 * vector whose indices are hashed terms. Documents carry BM25 term-frequency weights; Qdrant's `idf` modifier
 * on the sparse vector supplies the inverse document frequency at query time, so dot product = BM25.
 */

const STOPWORDS = new Set(
  ('a an and are as at be but by can do does for from has have how i if in into is it its my no not of on or our ' +
    'so that the their then there these they this to was we were what when where which who why will with you your')
    .split(' '),
);

/** BM25 parameters (Robertson/Zaragoza defaults); AVG_LEN approximates our chunk length in terms. */
const K1 = 1.2;
const B = 0.75;
const AVG_LEN = 120;

/** A sparse vector in Qdrant's shape. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/**
 * Lowercased word terms without stopwords, lightly stemmed so "refunds"/"refund" and "locked"/"lock" meet.
 *
 * @example
 * keywordTerms('Refunds are locked!'); // ['refund', 'lock']
 */
export function keywordTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:[-_][\p{L}\p{N}]+)*/gu) ?? [])
    .flatMap((t) => (t.includes('-') || t.includes('_') ? [t, ...t.split(/[-_]/)] : [t]))
    .filter((t) => t.length > 1 && !STOPWORDS.has(t))
    .map(stem);
}

function stem(term: string): string {
  if (/^\d+$/.test(term) || term.length <= 4) return term;
  if (term.endsWith('ies')) return `${term.slice(0, -3)}y`;
  if (term.endsWith('sses')) return term.slice(0, -2);
  if (term.endsWith('ing') && term.length > 6) return undouble(term.slice(0, -3));
  if (term.endsWith('ed') && term.length > 5) return undouble(term.slice(0, -2));
  if (term.endsWith('s') && !/(ss|us|is)$/.test(term)) return term.slice(0, -1);
  return term;
}

function undouble(term: string): string {
  return /([^aeiouls])\1$/.test(term) ? term.slice(0, -1) : term;
}

/**
 * 32-bit FNV-1a of a term: stable across processes and languages, and fits Qdrant's u32 sparse indices.
 *
 * @example
 * termIndex('cache'); // same number in every process
 */
export function termIndex(term: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(term, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Sparse vector of a stored chunk: BM25 saturated term frequency per term (IDF is applied by the store).
 *
 * @example
 * const sparse = sparseDocumentVector('Reset the tenant cache');
 */
export function sparseDocumentVector(text: string): SparseVector {
  const terms = keywordTerms(text);
  const tf = new Map<number, number>();
  for (const term of terms) {
    const index = termIndex(term);
    tf.set(index, (tf.get(index) ?? 0) + 1);
  }
  const norm = K1 * (1 - B + (B * terms.length) / AVG_LEN);
  const indices = [...tf.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => (tf.get(i)! * (K1 + 1)) / (tf.get(i)! + norm)) };
}

/**
 * Sparse vector of a query: weight 1 per distinct term.
 *
 * @example
 * const sparse = sparseQueryVector('stale tenant cache');
 */
export function sparseQueryVector(text: string): SparseVector {
  const indices = [...new Set(keywordTerms(text).map(termIndex))].sort((a, b) => a - b);
  return { indices, values: indices.map(() => 1) };
}
