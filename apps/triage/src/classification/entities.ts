import type { TriageOutput } from '@switchboard/contracts';

/** The ticket facts triage extracts deterministically; procedures bind tool arguments to them. */
export type TicketEntities = Pick<TriageOutput['entities'], 'amounts' | 'ids' | 'emails' | 'days'>;

// Lookarounds instead of \b: \b is ASCII-only, and "días", "fünf" or "€" sit next to non-ASCII characters.
const B = '(?<![\\p{L}\\p{N}_])';
const E = '(?![\\p{L}\\p{N}_])';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/**
 * Every email address in the text, lower-cased, deduplicated, in order of appearance.
 *
 * @example
 * extractEmails('Unlock Hank@Globex.example and hank@globex.example.'); // ['hank@globex.example']
 */
export function extractEmails(text: string): string[] {
  return [...new Set([...text.matchAll(EMAIL)].map((m) => m[0].toLowerCase()))];
}

/** Small numbers written as words, in the languages the examples cover (en, fr, de, es). */
const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, another: 1, un: 1, une: 1, ein: 1, eine: 1, einen: 1, einem: 1, uno: 1, una: 1, otra: 1, otro: 1,
  two: 2, deux: 2, zwei: 2, dos: 2, couple: 2,
  three: 3, trois: 3, drei: 3, tres: 3,
  four: 4, quatre: 4, vier: 4, cuatro: 4,
  five: 5, cinq: 5, 'fünf': 5, cinco: 5,
  six: 6, sechs: 6, seis: 6,
  seven: 7, sept: 7, sieben: 7, siete: 7,
  eight: 8, huit: 8, acht: 8, ocho: 8,
  nine: 9, neuf: 9, neun: 9, nueve: 9,
  ten: 10, dix: 10, zehn: 10, diez: 10,
  fourteen: 14, quatorze: 14, vierzehn: 14, catorce: 14,
  fifteen: 15, quinze: 15, 'fünfzehn': 15, quince: 15,
  twenty: 20, vingt: 20, zwanzig: 20, veinte: 20,
  thirty: 30, trente: 30, 'dreißig': 30, treinta: 30,
};
/** Duration units → days. A month counts as 30 days, as the backend's trial extension does. */
const UNITS: Array<[RegExp, number]> = [
  [/^(days?|jours?|tag|tage|tagen|tages|d[ií]as?)$/u, 1],
  [/^(weeks?|semaines?|woche|wochen|semanas?)$/u, 7],
  [/^(fortnight|quinzaine)$/u, 14],
  [/^(months?|mois|monat|monate|monaten|monats|mes|meses)$/u, 30],
];
const FILLER = '(?:more|extra|additional|further|of|weitere|weiteren|zusätzliche|zusätzlichen|m[aá]s|de)';
const DURATION = new RegExp(
  `${B}(\\d{1,3}|${Object.keys(NUMBER_WORDS).join('|')})(?:[\\s-]+${FILLER})?[\\s-]+(\\p{L}+)${E}|${B}(fortnight|quinzaine)${E}`,
  'giu',
);

/**
 * Durations in the text converted to days, in order of appearance (repeats kept once): "14 days", "two weeks",
 * "a month" (30), "deux semaines", "zwei Wochen", "dos semanas", "14 jours", "14 Tage", "14 días", "a fortnight".
 *
 * @example
 * extractDays('Could you extend our trial by two weeks, or at least 10 días?'); // [14, 10]
 */
export function extractDays(text: string): number[] {
  const days: number[] = [];
  for (const m of text.matchAll(DURATION)) {
    if (m[3]) {
      days.push(14);
      continue;
    }
    const raw = m[1]!.toLowerCase();
    const n = /^\d+$/.test(raw) ? Number(raw) : NUMBER_WORDS[raw];
    const unit = UNITS.find(([pattern]) => pattern.test(m[2]!.toLowerCase()));
    if (n === undefined || n === 0 || !unit) continue;
    days.push(n * unit[1]);
  }
  return [...new Set(days)];
}

// Thousands groups may be split by non-breaking spaces (French style), never by plain spaces: "3 100 €" is ambiguous.
const NUMBER = '(\\d{1,3}(?:[.,\\u00a0\\u202f]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?)';
const CURRENCY_WORD = '(?:USD|EUR|GBP|CHF|dollars?|d[oó]lares|euros?|pounds?)';
const AMOUNT = new RegExp(
  `(?:[$€£]|${B}(?:USD|EUR|GBP|CHF)${E})\\s?${NUMBER}|${B}${NUMBER}\\s?(?:[$€£]|${CURRENCY_WORD}${E})`,
  'giu',
);

/** Reads "1,000.50", "1.000,50", "250,00" and "120.50" alike: the last separator followed by 1–2 digits is decimal. */
function parseAmount(raw: string): number {
  const compact = raw.replace(/[\u00a0\u202f]/g, '');
  const decimal = /[.,](\d{1,2})$/.exec(compact);
  const whole = (decimal ? compact.slice(0, decimal.index) : compact).replace(/[.,]/g, '');
  return Number(decimal ? `${whole}.${decimal[1]}` : whole);
}

/**
 * Money amounts with a currency, in order of appearance (repeats kept once): `$120.50`, `120 USD`, `€40`, `250 €`,
 * `250,00 EUR`, `1.000,00 €`, `45 dólares`.
 *
 * @example
 * extractAmounts('refund $120.50 of the 250,00 EUR charge, not 40 €'); // [120.5, 250, 40]
 */
export function extractAmounts(text: string): number[] {
  const amounts: number[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    const value = parseAmount((m[1] ?? m[2])!);
    if (Number.isFinite(value) && value > 0) amounts.push(value);
  }
  return [...new Set(amounts)];
}

/**
 * Identifiers such as invoice, ticket or user ids, in order of appearance: `INV-2041`, `ZD-77`, and lower-case
 * snake ids with a digit (`inv_globex_1001`, `usr_19`) — the digit keeps tool names like `issue_refund` out.
 *
 * @example
 * extractIds('invoice inv_globex_1001 (INV-2041), please call issue_refund'); // ['inv_globex_1001', 'INV-2041']
 */
export function extractIds(text: string): string[] {
  const withoutPlaceholders = text.replace(/\[REDACTED:[a-z_]+\]/g, ' ');
  const ids = [...withoutPlaceholders.matchAll(/\b(?:[A-Z]{2,5}-\d{2,10}|[a-z]{2,5}(?:_[a-z0-9]+)+)\b/g)]
    .map((m) => m[0])
    .filter((id) => id.includes('-') || /\d/.test(id));
  return [...new Set(ids)];
}

/**
 * All entities of a ticket. Emails come from the original text (a procedure needs the locked user's address, which
 * redaction hides from later agents' text); amounts, ids and durations from the redacted text, so a card number or
 * a key is never read as one.
 *
 * @example
 * extractEntities('Unlock bob@acme.example', 'Unlock [REDACTED:email]'); // { emails: ['bob@acme.example'], amounts: [], ids: [], days: [] }
 */
export function extractEntities(original: string, redacted: string): TicketEntities {
  return { amounts: extractAmounts(redacted), ids: extractIds(redacted), emails: extractEmails(original), days: extractDays(redacted) };
}
