import { CharNgramIndex } from './char-ngrams';

describe('CharNgramIndex', () => {
  const corpus = ['Remboursez la facture INV-2041', 'Compte bloqué après trop de tentatives', 'Dashboard is blank since the rollout', 'The dashboard shows last week'];
  const index = CharNgramIndex.fit(corpus);

  it('gives each corpus entry a cosine of 1 with itself, and one similarity per entry in corpus order', () => {
    corpus.forEach((text, i) => {
      const sims = index.similarities(text);
      expect(sims).toHaveLength(corpus.length);
      expect(sims[i]).toBeCloseTo(1, 10);
      for (const [j, s] of sims.entries()) if (j !== i) expect(s).toBeLessThan(1);
    });
  });

  it('is symmetric between corpus entries, as a cosine is', () => {
    const all = corpus.map((t) => index.similarities(t));
    for (let i = 0; i < corpus.length; i++) for (let j = 0; j < corpus.length; j++) expect(all[i]![j]).toBeCloseTo(all[j]![i]!, 12);
  });

  it('ranks by shared sub-words across inflections and accents, and ignores n-grams the corpus never saw', () => {
    const sims = index.similarities('remboursement de la facture');
    expect(sims.indexOf(Math.max(...sims))).toBe(0);
    expect(index.similarities('bloque')[1]).toBeGreaterThan(0); // accents folded: "bloqué"
    expect(index.similarities('zzzz qqqq')).toEqual([0, 0, 0, 0]);
  });
});
