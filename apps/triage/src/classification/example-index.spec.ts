import { HashingEmbedder } from '@switchboard/memory/testing';
import { CharNgramIndex } from './char-ngrams';
import { ExampleIndex, knnVote, wilsonLowerBound } from './example-index';

const INTENTS = ['refund', 'account_lockout', 'other'];

describe('knnVote', () => {
  it('weighs neighbours by how close they are to the nearest one', () => {
    const sut = knnVote([0.9, 0.2, 0.88], ['refund', 'other', 'account_lockout'], 2, INTENTS);
    expect(sut.refund).toBeCloseTo(0.599, 3);
    expect(sut.account_lockout).toBeCloseTo(0.401, 3);
    expect(sut.other).toBe(0);
    expect(knnVote([0.9, 0.5], ['refund', 'other'], 2, INTENTS).refund).toBeGreaterThan(0.999);
  });

  it('votes only for offered intents, and abstains without any positive similarity', () => {
    expect(knnVote([0.9, 0.5], ['teleport', 'other'], 1, INTENTS)).toEqual({ refund: 0, account_lockout: 0, other: 1 });
    expect(knnVote([0, -0.2], ['refund', 'other'], 2, INTENTS)).toEqual({});
    expect(knnVote([0.9, 0.5], ['refund', 'other'], 0, INTENTS)).toEqual({});
  });

  it('takes the k nearest as a stable sort would: among equal similarities, the earlier example first', () => {
    // Equal similarities at the edge of the k nearest: the first two in corpus order are kept.
    expect(knnVote([0.5, 0.8, 0.5, 0.5], ['refund', 'other', 'account_lockout', 'account_lockout'], 2, INTENTS))
      .toEqual(knnVote([0.5, 0.8], ['refund', 'other'], 2, INTENTS));
    // Against the sort it replaced, on random similarities with many ties, negatives and intents not offered.
    const bySort = (sims: number[], labels: string[], k: number, intents: string[]) => {
      const top = sims.map((s, i) => ({ s, intent: labels[i]! })).filter((x) => intents.includes(x.intent) && x.s > 0).sort((a, b) => b.s - a.s).slice(0, k);
      return top.map((x) => `${x.intent}:${x.s}`);
    };
    const names = [...INTENTS, 'teleport'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 200; run++) {
      const n = 1 + Math.floor(random() * 40);
      const sims = Array.from({ length: n }, () => Math.round(random() * 10 - 2) / 10);
      const labels = Array.from({ length: n }, () => names[Math.floor(random() * names.length)]!);
      const k = 1 + Math.floor(random() * 5);
      const expected = bySort(sims, labels, k, INTENTS);
      const weights = expected.map((e) => Math.exp((Number(e.split(':')[1]) - Number(expected[0]!.split(':')[1])) / 0.05));
      const total = weights.reduce((a, b) => a + b, 0);
      const want: Record<string, number> = expected.length ? Object.fromEntries(INTENTS.map((i) => [i, 0])) : {};
      expected.forEach((e, j) => { want[e.split(':')[0]!]! += weights[j]! / total; });
      expect(knnVote(sims, labels, k, INTENTS)).toEqual(want);
    }
  });
});

describe('wilsonLowerBound', () => {
  it('is the conservative end of the accuracy a band showed, tighter with more observations', () => {
    expect(wilsonLowerBound(135, 136)).toBeCloseTo(0.9596, 3);
    expect(wilsonLowerBound(57, 59)).toBeCloseTo(0.8847, 3);
    expect(wilsonLowerBound(9, 10)).toBeLessThan(wilsonLowerBound(90, 100));
    expect(wilsonLowerBound(0, 0)).toBe(0);
  });
});

describe('CharNgramIndex', () => {
  it('matches inflected and accented forms across related words', () => {
    const sut = CharNgramIndex.fit(['remboursement de la facture', 'compte bloqué', 'nouvelle adresse postale']);
    const [refund, lockout, other] = sut.similarities('Remboursez la facture, svp');
    expect(refund!).toBeGreaterThan(lockout!);
    expect(refund!).toBeGreaterThan(other!);
    expect(sut.similarities('compte bloque')[1]).toBeGreaterThan(0.8);
  });

  it('ignores n-grams it never saw', () => {
    expect(CharNgramIndex.fit(['abc def']).similarities('xyz')).toEqual([0]);
  });
});

describe('ExampleIndex', () => {
  const examples = {
    descriptions: { refund: 'Money back.', account_lockout: 'Locked account.', other: 'Anything else.' },
    examples: [
      { intent: 'refund', language: 'en', text: 'please refund the duplicate charge' },
      { intent: 'refund', language: 'fr', text: 'remboursez le double paiement' },
      { intent: 'account_lockout', language: 'en', text: 'my account is locked' },
      { intent: 'other', language: 'en', text: 'update our postal address' },
    ],
  };

  it('embeds the examples once, then one text per vote', async () => {
    const embedder = new HashingEmbedder(64);
    const sut = await ExampleIndex.build(examples, embedder, { k: 2 });
    expect(embedder.textsEmbedded).toBe(4);

    const votes = await sut.vote('refund the duplicate charge please', INTENTS);

    expect(embedder.textsEmbedded).toBe(5);
    expect(votes.embedding.refund).toBeGreaterThan(0.9);
    expect(votes.ngram.refund).toBeGreaterThan(0.9);
    expect(votes.nearest.map((n) => n.intent).sort()).toEqual(['account_lockout', 'other', 'refund']);
    expect(votes.nearest[0]!.text).toBe('please refund the duplicate charge');
  });

  it('averages the two views into one vote, trusted at the held-out accuracy of its band', async () => {
    const sut = await ExampleIndex.build(examples, new HashingEmbedder(64), { k: 2 });
    // Held out, each refund example finds the other one; the lone lockout and other examples cannot be right.
    expect(sut.calibration.map((b) => [b.minShare, b.viewsAgree])).toEqual([[0.9, true], [0.9, false], [0.7, true], [0.7, false], [0, true], [0, false]]);
    expect(sut.calibration.reduce((n, b) => n + b.n, 0)).toBe(examples.examples.length);
    // An empty band is trusted at chance (a third here), so it moves nothing.
    for (const b of sut.calibration) expect(b.accuracy).toBeGreaterThanOrEqual(1 / 3);

    const votes = await sut.vote('refund the duplicate charge please', INTENTS);

    for (const i of INTENTS) expect(votes.examples[i]).toBeCloseTo(((votes.embedding[i] ?? 0) + (votes.ngram[i] ?? 0)) / 2, 9);
    const share = Math.max(...Object.values(votes.examples));
    const agree = Object.entries(votes.embedding).reduce((a, b) => (b[1] > a[1] ? b : a))[0] === Object.entries(votes.ngram).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    expect(votes.reliability).toBe(sut.calibration.find((b) => share >= b.minShare && b.viewsAgree === agree)!.accuracy);
  });

  it('weighs the subject line on its own in the encoder view: the request it names outvotes a longer aside in the body', async () => {
    const embedder = new HashingEmbedder(64);
    const sut = await ExampleIndex.build(examples, embedder, { k: 2 });
    const ticket = 'Please refund the duplicate charge\n\nAlso, update our postal address: update our postal address to the new office, the postal address on file is old.';
    const before = embedder.textsEmbedded;

    const shipped = await sut.vote(ticket, INTENTS);
    const whole = await sut.vote(ticket, INTENTS, { subjectWeight: 0 });

    expect(embedder.textsEmbedded - before).toBe(3); // the ticket and its subject, then the ticket alone
    const lead = (s: Record<string, number>) => Object.entries(s).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    expect(lead(whole.embedding)).toBe('other');
    expect(lead(shipped.embedding)).toBe('refund');
    // The n-gram view reads the whole ticket either way (a few words' n-grams latch onto a topic word).
    expect(shipped.ngram).toEqual(whole.ngram);
    // A text without a body after a blank line has no subject to weigh: the same vote either way.
    expect(await sut.vote('please refund the duplicate charge', INTENTS)).toEqual(await sut.vote('please refund the duplicate charge', INTENTS, { subjectWeight: 0 }));
  });

  it('leaves intents the task does not offer out of every vote', async () => {
    const sut = await ExampleIndex.build(examples, new HashingEmbedder(64));
    const votes = await sut.vote('refund the duplicate charge please', ['account_lockout', 'other']);
    expect(votes.embedding.refund).toBeUndefined();
    expect(votes.nearest.map((n) => n.intent)).not.toContain('refund');
  });
});
