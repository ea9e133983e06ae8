import { calibrate, extractAmounts, extractIds, keywordIntents } from './keyword-intent';

const TAXONOMY = ['dashboard_cache', 'feature_flag', 'trial_extension', 'refund', 'account_lockout', 'how_to', 'bug_report', 'other'];

describe('keyword intent cues', () => {
  it('finds the cues of a ticket', () => {
    expect(keywordIntents('Dashboard blank since the new-dashboard flag was toggled', TAXONOMY)).toEqual(['dashboard_cache', 'feature_flag']);
    expect(keywordIntents('We were charged twice, please refund invoice INV-2041', TAXONOMY)).toEqual(['refund']);
    expect(keywordIntents('Hello there', TAXONOMY)).toEqual([]);
  });

  it('calibrates overconfident answers', () => {
    expect(calibrate(0.99, 'refund', ['refund'], 'none')).toBe(0.99);
    expect(calibrate(0.99, 'refund', ['trial_extension'], 'none')).toBe(0.6);
    expect(calibrate(0.99, 'refund', [], 'none')).toBe(0.8);
    expect(calibrate(0.99, 'refund', ['refund'], 'high')).toBe(0.5);
    expect(calibrate(1.7, 'other', [], 'none')).toBe(1);
  });

  it('extracts amounts and ids', () => {
    expect(extractAmounts('refund $120.50 of the 300 USD charge, not €40').sort((a, b) => a - b)).toEqual([40, 120.5, 300]);
    expect(extractIds('invoice INV-2041 for user usr_19 and ticket ZD-77')).toEqual(['INV-2041', 'usr_19', 'ZD-77']);
  });
});
