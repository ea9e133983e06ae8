import { capForInjection, combineIntentSignals, MISSING_ENTITY_CAP, oneHot, type SignalVote } from './intent-ensemble';

const INTENTS = ['dashboard_cache', 'trial_extension', 'refund', 'account_lockout', 'other'];
const NONE = { amounts: [], ids: [], emails: [], days: [] };
const vote = (source: string, reliability: number, scores: Record<string, number>): SignalVote => ({ source, reliability, scores });

describe('combineIntentSignals', () => {
  it('is confident when reliable signals agree, and records what each said', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('dashboard_cache')), vote('b', 0.8, oneHot('dashboard_cache')), vote('m', 0.3, oneHot('dashboard_cache'))], NONE);
    expect(sut.intent).toBe('dashboard_cache');
    expect(sut.confidence).toBeGreaterThanOrEqual(0.99);
    expect(sut.signals).toEqual([
      { source: 'a', intent: 'dashboard_cache', score: 1 }, { source: 'b', intent: 'dashboard_cache', score: 1 }, { source: 'm', intent: 'dashboard_cache', score: 1 },
    ]);
  });

  it('is not confident from a single signal, however sure it is', () => {
    expect(combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('refund'))], { ...NONE, amounts: [40] }).confidence).toBeLessThan(0.95);
  });

  it('lets a reliable dissent pull the confidence well below the threshold, an unreliable one hardly', () => {
    const examples = [vote('a', 0.8, oneHot('other')), vote('b', 0.8, oneHot('other'))];
    const capable = combineIntentSignals(INTENTS, [...examples, vote('m', 0.9, oneHot('dashboard_cache'))], NONE);
    const small = combineIntentSignals(INTENTS, [...examples, vote('m', 0.3, oneHot('dashboard_cache'))], NONE);
    expect(capable.intent).toBe('other');
    expect(capable.confidence).toBeLessThan(0.9);
    expect(small.intent).toBe('other');
    expect(small.confidence).toBeGreaterThanOrEqual(0.95);
  });

  it('lets the more reliable side decide between signals that disagree, with a small margin', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('trial_extension')), vote('b', 0.7, oneHot('dashboard_cache')), vote('m', 0.9, oneHot('dashboard_cache'))], NONE);
    expect(sut.intent).toBe('dashboard_cache');
    expect(sut.confidence).toBeLessThan(0.95);
    expect(sut.margin).toBeGreaterThan(0);
  });

  it('counts a split vote as partial support', () => {
    const whole = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('other')), vote('b', 0.8, oneHot('other'))], NONE);
    const split = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('other')), vote('b', 0.8, { other: 0.5, refund: 0.5 })], NONE);
    expect(split.intent).toBe('other');
    expect(split.confidence).toBeLessThan(whole.confidence);
  });

  it('ignores abstaining signals and intents outside the taxonomy', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('other')), vote('quiet', 0.8, {}), vote('m', 0.9, { teleport: 1 })], NONE);
    expect(sut.signals).toEqual([{ source: 'a', intent: 'other', score: 1 }]);
  });

  it('answers other with confidence 0 when no signal votes', () => {
    expect(combineIntentSignals(INTENTS, [vote('quiet', 0.8, {})], NONE)).toEqual({ intent: 'other', confidence: 0, margin: 0, signals: [] });
  });

  it('counts entities for a leading candidate they support, which can break a tie', () => {
    const tie = [vote('a', 0.8, oneHot('trial_extension')), vote('b', 0.8, oneHot('dashboard_cache'))];
    expect(combineIntentSignals(INTENTS, tie, { ...NONE, days: [14] })).toEqual(expect.objectContaining({ intent: 'trial_extension' }));
    expect(combineIntentSignals(INTENTS, tie, { ...NONE, days: [14] }).signals).toContainEqual({ source: 'entities', intent: 'trial_extension', score: 1 });
  });

  it('does not let entities promote an intent no signal proposed', () => {
    const sut = combineIntentSignals(INTENTS, [vote('a', 0.8, oneHot('dashboard_cache')), vote('b', 0.8, oneHot('dashboard_cache'))], { ...NONE, days: [2], amounts: [40] });
    expect(sut.intent).toBe('dashboard_cache');
    expect(sut.signals.map((s) => s.source)).not.toContain('entities');
  });

  it('caps a leading refund that names no amount and no id below the threshold, however much else agrees', () => {
    const all = [vote('a', 0.8, oneHot('refund')), vote('b', 0.8, oneHot('refund')), vote('m', 0.9, oneHot('refund'))];
    const vague = combineIntentSignals(INTENTS, all, NONE);
    expect(vague).toEqual(expect.objectContaining({ intent: 'refund', confidence: MISSING_ENTITY_CAP }));
    expect(vague.signals).toContainEqual({ source: 'entities', intent: 'refund', score: 0 });
    expect(combineIntentSignals(INTENTS, all, { ...NONE, ids: ['inv_globex_1001'] }).confidence).toBeGreaterThanOrEqual(0.99);
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

describe('combineIntentSignals with a leader-only vote', () => {
  it('counts the vote for its leader alone, so a weak dissent cannot overturn it, and keeps its runner-up a candidate', () => {
    const examples = vote('examples', 0.64, { other: 0.6, account_lockout: 0.4 });
    const soft = combineIntentSignals(INTENTS, [examples, vote('m', 0.3, oneHot('account_lockout'))], NONE);
    const hard = combineIntentSignals(INTENTS, [{ ...examples, leaderOnly: true }, vote('m', 0.3, oneHot('account_lockout'))], NONE);
    expect(soft.intent).toBe('account_lockout');
    expect(hard.intent).toBe('other');
    const supported = combineIntentSignals(INTENTS, [{ ...vote('examples', 0.64, { dashboard_cache: 0.55, trial_extension: 0.45 }), leaderOnly: true }], { ...NONE, days: [14] });
    expect(supported.signals).toContainEqual({ source: 'entities', intent: 'trial_extension', score: 1 });
  });
});
