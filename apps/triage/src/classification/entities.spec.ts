import { extractAmounts, extractDays, extractEmails, extractEntities, extractIds } from './entities';

describe('extractEmails', () => {
  it('finds every address once, lower-cased, in order of appearance', () => {
    expect(extractEmails('Please unlock Hank@Globex.example; cc ops@globex.example and hank@globex.example.')).toEqual(['hank@globex.example', 'ops@globex.example']);
  });

  it('reads addresses in any language and leaves text without one alone', () => {
    expect(extractEmails('Merci de débloquer jean.dupont+support@acme-eu.example.fr, merci !')).toEqual(['jean.dupont+support@acme-eu.example.fr']);
    expect(extractEmails('No address here, only @mentions and foo@bar')).toEqual([]);
  });
});

describe('extractDays', () => {
  it.each([
    ['Can you extend our trial by 14 days?', [14]],
    ['We need two more weeks to evaluate', [14]],
    ['another 2 weeks would help', [14]],
    ['give us a month please', [30]],
    ['a 10-day extension', [10]],
    ['another fortnight of testing', [14]],
    ['Pourriez-vous prolonger notre essai de deux semaines ?', [14]],
    ['Il nous faut encore 14 jours, ou un mois au plus.', [14, 30]],
    ['Könnt ihr den Test um zwei Wochen verlängern?', [14]],
    ['Wir brauchen noch 14 Tage, vielleicht einen Monat', [14, 30]],
    ['¿Pueden ampliar la prueba dos semanas?', [14]],
    ['Necesitamos 14 días más', [14]],
    ['tres semanas más', [21]],
  ])('%s → %p', (text, days) => {
    expect(extractDays(text)).toEqual(days);
  });

  it('ignores hours, counts without a unit and words that only look like numbers', () => {
    expect(extractDays('blank for two hours, 3 users affected, one of the admins, a few days ago')).toEqual([]);
  });
});

describe('extractAmounts', () => {
  it.each([
    ['refund $120.50 of the 300 USD charge, not €40', [120.5, 300, 40]],
    ['Wir haben 250,00 EUR zu viel bezahlt', [250]],
    ['merci de rembourser 99 €', [99]],
    ['reembolsen 5000 $ ahora', [5000]],
    ['nos cobraron 45 dólares de más', [45]],
    ['a refund of $1,000.50 and 1.000,00 € and £30', [1000.5, 1000, 30]],
    ['40 dollars, then 40 dollars again', [40]],
  ])('%s → %p', (text, amounts) => {
    expect(extractAmounts(text)).toEqual(amounts);
  });

  it('does not read counts, sizes or id digits as money', () => {
    expect(extractAmounts('We removed 3 seats; the 2 MB upload of invoice INV-3301 failed on 12.05.')).toEqual([]);
  });
});

describe('extractIds', () => {
  it('finds invoice, ticket and user ids in order, including snake ids with several parts', () => {
    expect(extractIds('invoice INV-2041 for user usr_19, ticket ZD-77 and invoice inv_globex_1001')).toEqual(['INV-2041', 'usr_19', 'ZD-77', 'inv_globex_1001']);
  });

  it('skips tool names and redaction placeholders', () => {
    expect(extractIds('call issue_refund now [REDACTED:api_key] for inv_acme_2002')).toEqual(['inv_acme_2002']);
  });
});

describe('extractEntities', () => {
  it('takes emails from the original text and everything else from the redacted text', () => {
    const original = 'Unlock bob@globex.example, card 4242 4242 4242 4242, refund $40 on inv_globex_1001 within 2 weeks';
    const redacted = 'Unlock [REDACTED:email], card [REDACTED:card_number], refund $40 on inv_globex_1001 within 2 weeks';
    expect(extractEntities(original, redacted)).toEqual({ emails: ['bob@globex.example'], amounts: [40], ids: ['inv_globex_1001'], days: [14] });
  });
});
