import type { TraceEntry } from '../case/case.types';
import { countsTowardDemotion, demotionVerdict } from './demotion';
import { PolicySchema, resolvePolicy } from '../policy/policy.schema';

describe('automatic demotion', () => {
  it('demotes at a threshold, not below it, naming every threshold passed', () => {
    const t = { windowMinutes: 30, maxVerificationFailures: 3, maxReopens: 2 };
    expect(demotionVerdict({ verificationFailures: 2, reopens: 1 }, t)).toEqual({ demote: false });
    expect(demotionVerdict({ verificationFailures: 3, reopens: 0 }, t)).toEqual({ demote: true, reason: '3 verification failures in 30 min (threshold 3)' });
    expect(demotionVerdict({ verificationFailures: 4, reopens: 2 }, t)).toEqual({ demote: true, reason: '4 verification failures in 30 min (threshold 3); 2 reopened resolutions in 30 min (threshold 2)' });
    expect(demotionVerdict({ verificationFailures: 99, reopens: 0 }, { windowMinutes: 30, maxReopens: 1 })).toEqual({ demote: false });
    const ratings = { windowMinutes: 60, maxNegativeRatings: 2 };
    expect(demotionVerdict({ verificationFailures: 0, reopens: 0, negativeRatings: 1 }, ratings)).toEqual({ demote: false });
    expect(demotionVerdict({ verificationFailures: 0, reopens: 0, negativeRatings: 2 }, ratings)).toEqual({ demote: true, reason: '2 bad customer ratings in 60 min (threshold 2)' });
    expect(demotionVerdict({ verificationFailures: 0, reopens: 0 }, ratings)).toEqual({ demote: false });
  });

  it('checks only after a failed verification or a reopen of an autonomous case with an intent', () => {
    const state = (mode: string, intent?: string) => ({ intent, policy: { mode } }) as never;
    const breaker = (b: string): TraceEntry => ({ kind: 'breaker', data: { breaker: b } });
    const reopen = (afterResolved: boolean): TraceEntry => ({ kind: 'event', data: { event: 'helpdesk_reopened', afterResolved } });
    expect(countsTowardDemotion({ state: state('autonomous', 'refund'), trace: [breaker('unverified')] })).toBe(true);
    expect(countsTowardDemotion({ state: state('autonomous', 'refund'), trace: [reopen(true)] })).toBe(true);
    expect(countsTowardDemotion({ state: state('autonomous', 'refund'), trace: [reopen(false), breaker('low_confidence')] })).toBe(false);
    expect(countsTowardDemotion({ state: state('assist', 'refund'), trace: [breaker('unverified')] })).toBe(false);
    expect(countsTowardDemotion({ state: state('autonomous'), trace: [breaker('unverified')] })).toBe(false);
    const rated = (score: string): TraceEntry => ({ kind: 'event', data: { event: 'satisfaction_rated', score } });
    expect(countsTowardDemotion({ state: state('autonomous', 'refund'), trace: [rated('bad')] })).toBe(true);
    expect(countsTowardDemotion({ state: state('autonomous', 'refund'), trace: [rated('good')] })).toBe(false);
  });

  it('a demoted tenant + intent resolves to assist; others, and intents already below autonomous, are untouched', () => {
    const policy = { ...PolicySchema.parse({ version: 1, defaultMode: 'autonomous', overrides: [{ tenant: 'globex', intent: 'refund', mode: 'shadow' }] }), demoted: ['acme|refund', 'globex|refund'] };
    expect(resolvePolicy(policy, 'acme', 'refund')).toMatchObject({ mode: 'assist', modeSource: 'demoted' });
    expect(resolvePolicy(policy, 'acme', 'dashboard_cache')).toMatchObject({ mode: 'autonomous', modeSource: 'default' });
    expect(resolvePolicy(policy, 'acme')).toMatchObject({ mode: 'autonomous' });
    expect(resolvePolicy(policy, 'globex', 'refund')).toMatchObject({ mode: 'shadow', modeSource: 'tenant+intent' });
  });

  it('the policy file may set thresholds, and must set at least one', () => {
    expect(PolicySchema.parse({ version: 1, demotion: { maxReopens: 2 } }).demotion).toEqual({ windowMinutes: 60, maxReopens: 2 });
    expect(PolicySchema.safeParse({ version: 1, demotion: { windowMinutes: 10 } }).success).toBe(false);
    expect(PolicySchema.safeParse({ version: 1, demotion: { maxReopens: 0 } }).success).toBe(false);
    expect(PolicySchema.parse({ version: 1, demotion: { maxNegativeRatings: 3 } }).demotion).toEqual({ windowMinutes: 60, maxNegativeRatings: 3 });
  });
});
