import { DEFAULT_RULES } from './default-rules';
import { evidenceValues, identifierShape, identifiersIn, matchesEvidence, statedValues } from './values';

const numbers = (s: string) => statedValues(s, DEFAULT_RULES).flatMap((v) => ('number' in v ? [v.number] : []));

describe('stated values', () => {
  it('reads amounts in several notations', () => {
    expect(numbers('we refunded $40.00')).toEqual([40]);
    expect(numbers('wir haben 40,00 € erstattet')).toEqual([40]);
    expect(numbers('a refund of 1,250.50 usd')).toEqual([1250.5]);
    expect(numbers('refunds take 5–10 days')).toEqual([5, 10]);
  });

  it('reads number words only before a unit, and weeks as days', () => {
    expect(numbers('forty dollars went back to your card')).toEqual([40]);
    expect(numbers('your trial runs two weeks longer')).toEqual([14]);
    expect(numbers('ihre testphase wurde um zwei wochen verlangert')).toEqual([14]);
    expect(numbers('you can switch back to the old one')).toEqual([]);
  });

  it('reads ISO and day-first dates as dates, and skips numbers inside identifiers', () => {
    expect(statedValues('your trial ends on 2026-12-09', DEFAULT_RULES)).toEqual([{ date: '2026-12-09', text: '2026-12-09' }]);
    expect(statedValues('jusqu au 09/12/2026', DEFAULT_RULES)).toEqual([{ date: '2026-12-09', text: '09/12/2026' }]);
    expect(numbers('we refunded invoice inv_globex_1001 (gx-1001) for anna2@acme-eu.example')).toEqual([]);
  });

  it('matches stated values against every number and date in the evidence', () => {
    const values = { numbers: new Set<number>(), dates: new Set<string>(), strings: new Set<string>() };
    evidenceValues([{ amount: '40.00', nested: [{ endsOn: '2026-12-09T00:00:00Z', days: 14 }] }], values);
    expect(matchesEvidence({ number: 40, text: '40' }, values)).toBe(true);
    expect(matchesEvidence({ number: 14, text: '14' }, values)).toBe(true);
    expect(matchesEvidence({ number: 400, text: '400' }, values)).toBe(false);
    expect(matchesEvidence({ date: '2026-12-09', text: '' }, values)).toBe(true);
    expect(matchesEvidence({ date: '2027-01-15', text: '' }, values)).toBe(false);
  });
});

describe('identifiers', () => {
  it('finds emails, prefixed ids, ticket/invoice numbers and named tenants', () => {
    expect(identifiersIn('Write to bob@globex.example about inv_globex_1002, GX-1002 and DEMO-4 for tenant initech.', DEFAULT_RULES).sort())
      .toEqual(['DEMO-4', 'GX-1002', 'bob@globex.example', 'initech', 'inv_globex_1002'].sort());
  });

  it('does not take ordinary words after "tenant" for tenant ids', () => {
    expect(identifiersIn('We reset the tenant cache for your tenant from Settings.', DEFAULT_RULES)).toEqual([]);
  });

  it('gives identifiers a shape so like is compared with like', () => {
    expect(identifierShape('hank@globex.example')).toBe('email');
    expect(identifierShape('inv_globex_1001')).toBe('inv_');
    expect(identifierShape('GX-1001')).toBeUndefined();
  });
});
