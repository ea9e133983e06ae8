import { CaseCache } from './case-cache';
import type { LockedCase } from './case.repository';

const entry = (version: number) => ({ version, state: {} }) as unknown as LockedCase;

describe('CaseCache', () => {
  it('drops the least recently used entry beyond its capacity', () => {
    const cache = new CaseCache(2);
    cache.set('a', entry(1));
    cache.set('b', entry(1));
    expect(cache.get('a')?.version).toBe(1); // a is now more recent than b
    cache.set('c', entry(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('replaces an entry and forgets a deleted one', () => {
    const cache = new CaseCache();
    cache.set('a', entry(1));
    cache.set('a', entry(2));
    expect(cache.get('a')?.version).toBe(2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
