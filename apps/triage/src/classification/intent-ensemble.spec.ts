import { capForInjection, combineIntentSignals, oneHot, type SignalVote } from './intent-ensemble';

const INTENTS = ['dashboard_cache', 'trial_extension', 'refund', 'account_lockout', 'other'];
const NONE = { amounts: [], ids: [], emails: [], days: [] };
const vote = (source: string, weight: number, scores: Record<string, number>): SignalVote => ({ source, weight, scores });

describe('combineIntentSignals', () => {
  it('gives confidence 1 only when every signal puts its whole vote on one intent', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('dashboard_cache')), vote('b', 1, oneHot('dashboard_cache')), vote('m', 0.5, oneHot('dashboard_cache'))], NONE);
    expect(sut).toEqual({ intent: 'dashboard_cache', confidence: 1, margin: 1, signals: [
      { source: 'a', intent: 'dashboard_cache', score: 1 }, { source: 'b', intent: 'dashboard_cache', score: 1 }, { source: 'm', intent: 'dashboard_cache', score: 1 },
    ] });
  });

  it('lowers confidence by the weight of every dissent, split votes included', () => {
    const split = combineIntentSignals(INTENTS, [vote('a', 1, { dashboard_cache: 0.9, other: 0.1 }), vote('b', 1, oneHot('dashboard_cache'))], NONE);
    expect(split.confidence).toBe(0.95);
    const dissent = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('refund')), vote('b', 1, oneHot('refund')), vote('m', 1.5, oneHot('other'))], { ...NONE, amounts: [40] });
    expect(dissent).toEqual(expect.objectContaining({ intent: 'refund', confidence: 0.625, margin: 0.25 }));
  });

  it('lets a heavier signal decide between two that disagree', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('trial_extension')), vote('b', 1, oneHot('dashboard_cache')), vote('m', 1.5, oneHot('dashboard_cache'))], NONE);
    expect(sut.intent).toBe('dashboard_cache');
    expect(sut.confidence).toBe(0.714);
  });

  it('ignores abstaining signals, zero weights and intents outside the taxonomy', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('other')), vote('quiet', 1, {}), vote('off', 0, oneHot('refund')), vote('m', 1, { teleport: 1 })], NONE);
    expect(sut).toEqual({ intent: 'other', confidence: 1, margin: 1, signals: [{ source: 'a', intent: 'other', score: 1 }] });
  });

  it('answers other with confidence 0 when no signal votes', () => {
    expect(combineIntentSignals(INTENTS, [vote('quiet', 1, {})], NONE)).toEqual({ intent: 'other', confidence: 0, margin: 0, signals: [] });
  });

  it('counts entities for a leading candidate they support, which can break a tie', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('trial_extension')), vote('b', 1, oneHot('dashboard_cache'))], { ...NONE, days: [14] });
    expect(sut).toEqual(expect.objectContaining({ intent: 'trial_extension', confidence: 0.6 }));
    expect(sut.signals).toContainEqual({ source: 'entities', intent: 'trial_extension', score: 1 });
  });

  it('does not let entities promote an intent no other signal proposed', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 1, oneHot('dashboard_cache')), vote('b', 1, oneHot('dashboard_cache'))], { ...NONE, days: [2], amounts: [40] });
    expect(sut).toEqual(expect.objectContaining({ intent: 'dashboard_cache', confidence: 1 }));
    expect(sut.signals.map((s) => s.source)).not.toContain('entities');
  });

  it('counts missing entities against a leading refund: no amount and no id is not one to act on alone', () => {
    const all = [vote('a', 1, oneHot('refund')), vote('b', 1, oneHot('refund')), vote('m', 1.5, oneHot('refund'))];
    expect(combineIntentSignals(INTENTS, all, NONE)).toEqual(expect.objectContaining({ intent: 'refund', confidence: 0.875 }));
    expect(combineIntentSignals(INTENTS, all, { ...NONE, ids: ['inv_globex_1001'] })).toEqual(expect.objectContaining({ intent: 'refund', confidence: 1 }));
  });
});

describe('capForInjection', () => {
  it.each([
    [0.99, 'none', 0.99],
    [0.99, 'suspected', 0.9],
    [0.99, 'high', 0.5],
    [0.3, 'high', 0.3],
  ] as const)('%s with %s risk → %s', (confidence, risk, expected) => {
    expect(capForInjection(confidence, risk)).toBe(expected);
  });
});
