import { join } from 'node:path';
import { loadProcedureSet } from './procedure-set';
import { simulateSet } from './simulation';

const DIR = join(__dirname, '..', '..', '..', 'procedures');

describe('the shipped procedures', () => {
  it('load, and every simulation passes', async () => {
    const set = loadProcedureSet(DIR);
    expect(set.intents()).toEqual(expect.arrayContaining(['account_lockout', 'dashboard_cache', 'feature_flag', 'how_to', 'refund', 'trial_extension']));
    const results = await simulateSet(set);
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(20);
  });
});
