import { CaseCache, caseEntrySize } from './case-cache';
import type { LockedCase } from './case.repository';

const entry = (version: number, body = 'short') =>
  ({ version, state: { caseId: 'c', status: 'RECEIVED', ticket: { subject: 's', body }, passages: [] } }) as unknown as LockedCase;

describe('CaseCache', () => {
  it('measures an entry by the JSON of its state', () => {
    const e = entry(1, 'x'.repeat(1000));
    const json = JSON.stringify(e.state).length;
    expect(caseEntrySize(e)).toBeLessThanOrEqual(json);
    expect(caseEntrySize(e)).toBeGreaterThan(json - 30);
    expect(caseEntrySize(entry(1, 'x'.repeat(2000))) - caseEntrySize(e)).toBe(1000);
  });

  it('drops the least recently used entries once their bytes exceed the budget, however few they are', () => {
    const big = (v: number) => entry(v, 'x'.repeat(3000));
    const sut = new CaseCache(10_000);
    sut.set('a', big(1));
    sut.set('b', big(1));
    sut.set('c', big(1));
    expect(sut.get('a')?.version).toBe(1); // a is now more recent than b
    sut.set('d', big(1));
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBeDefined();
    expect(sut.size).toBe(3);
    expect(sut.bytes).toBeLessThanOrEqual(10_000);
    expect(sut.bytes).toBe(3 * caseEntrySize(big(1)));
  });

  it('keeps many small entries within the same budget', () => {
    const sut = new CaseCache(10_000);
    for (let i = 0; i < 300; i++) sut.set(`k${i}`, entry(1));
    expect(sut.size).toBe(Math.floor(10_000 / caseEntrySize(entry(1))));
  });

  it('does not cache a case larger than the whole budget, and forgets its older version', () => {
    const sut = new CaseCache(2_000);
    sut.set('a', entry(1));
    sut.set('a', entry(2, 'x'.repeat(5000)));
    expect(sut.get('a')).toBeUndefined();
    expect(sut.bytes).toBe(0);
  });

  it('replaces an entry and forgets a deleted one; 0 disables caching', () => {
    const sut = new CaseCache();
    sut.set('a', entry(1));
    sut.set('a', entry(2));
    expect(sut.get('a')?.version).toBe(2);
    sut.delete('a');
    expect(sut.get('a')).toBeUndefined();
    const off = new CaseCache(0);
    off.set('a', entry(1));
    expect(off.get('a')).toBeUndefined();
  });
});
