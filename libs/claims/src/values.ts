import type { ClaimRules } from './types';

const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30,
  forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90, hundred: 100,
  un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, sept: 7, huit: 8, neuf: 9, dix: 10, quinze: 15, vingt: 20, trente: 30,
  ein: 1, eine: 1, einen: 1, zwei: 2, drei: 3, vier: 4, funf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, zwanzig: 20, dreissig: 30,
  uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, quince: 15, veinte: 20, treinta: 30,
};
const WEEK = /^(?:weeks?|semaines?|wochen?|semanas?)$/;
const UNIT = /^(?:days?|weeks?|dollars?|euros?|usd|eur|jours?|semaines?|tage?n?|wochen?|dias?|semanas?|months?|mois|monate?|meses|percent|pour ?cent|prozent|por ?ciento)$/;

/** A stated value: a number (amounts, days, versions) or a calendar date (ISO `2026-12-09`). */
export type StatedValue = { number: number; text: string } | { date: string; text: string };

/** Reads "40", "$40.00", "1,250.50", "40,00 €" as numbers. */
function parseNumber(token: string): number {
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(token)) return Number(token.replace(/,/g, ''));
  if (/^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(token)) return Number(token.replace(/\./g, '').replace(',', '.'));
  if (/^\d+,\d{1,2}$/.test(token)) return Number(token.replace(',', '.'));
  return Number(token);
}

/**
 * The numbers and dates a folded sentence states, outside identifiers (which the leak screen checks). Number words
 * count only before a unit ("forty dollars", "two weeks"); weeks are stated as days, so "two weeks" must match 14.
 *
 * @example
 * statedValues('we refunded $40.00 and your trial ends on 2026-12-09', DEFAULT_RULES); // [{ date: '2026-12-09' }, { number: 40 }]
 */
export function statedValues(folded: string, rules: ClaimRules): StatedValue[] {
  let text = folded;
  for (const re of rules.identifiers) text = text.replace(new RegExp(re.source, re.flags.includes('g') ? `${re.flags}i` : `${re.flags}gi`), ' ');
  const out: StatedValue[] = [];
  text = text.replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (m) => { out.push({ date: m, text: m }); return ' '; });
  text = text.replace(/\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b/g, (m, a: string, b: string, y: string) => {
    out.push({ date: `${y}-${b.padStart(2, '0')}-${a.padStart(2, '0')}`, text: m });
    return ' ';
  });
  const tokens = text.split(/[^\p{L}\p{N}.,]+/u).map((t) => t.replace(/^[.,]+|[.,]+$/g, '')).filter(Boolean);
  tokens.forEach((token, i) => {
    const next = tokens[i + 1] ?? '';
    const weeks = WEEK.test(next) ? 7 : 1;
    if (/^\d/.test(token)) {
      const n = parseNumber(token.match(/^[\d.,]+/)![0]);
      if (Number.isFinite(n)) out.push({ number: n * weeks, text: token });
    } else if (token in NUMBER_WORDS && UNIT.test(next)) {
      out.push({ number: NUMBER_WORDS[token]! * weeks, text: `${token} ${next}` });
    }
  });
  return out;
}

/** Every number and date in a piece of evidence (arguments or observed values), at any depth. */
export function evidenceValues(value: unknown, into: { numbers: Set<number>; dates: Set<string>; strings: Set<string> }): void {
  if (typeof value === 'number') into.numbers.add(value);
  else if (typeof value === 'string') {
    into.strings.add(value.toLowerCase());
    const date = /^(\d{4}-\d{2}-\d{2})/.exec(value);
    if (date) into.dates.add(date[1]!);
    else if (/^-?\d+(?:\.\d+)?$/.test(value.trim())) into.numbers.add(Number(value));
  } else if (Array.isArray(value)) value.forEach((v) => evidenceValues(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => evidenceValues(v, into));
}

/** Whether a stated value appears in the evidence (numbers compared as numbers, to the cent). */
export function matchesEvidence(stated: StatedValue, values: { numbers: Set<number>; dates: Set<string> }): boolean {
  if ('date' in stated) return values.dates.has(stated.date);
  return [...values.numbers].some((n) => Math.abs(n - stated.number) < 0.005);
}

/** The identifiers (emails, prefixed ids, ticket/invoice numbers, "tenant <id>") the original text mentions. */
export function identifiersIn(text: string, rules: ClaimRules): string[] {
  const found = new Set<string>();
  for (const re of rules.identifiers) for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))) found.add(m[0].replace(/[.,]+$/, ''));
  for (const m of text.matchAll(/\b(?:tenant|mandant|locataire|inquilino)\s+["'`]?([\p{L}\p{N}][\p{L}\p{N}-]{2,})/giu)) {
    const id = m[1]!.toLowerCase();
    // A plain word after "tenant" is usually its verb or noun ("the tenant keeps", "tenant cache"); an id-like token
    // (hyphen, digit) always counts, a plain one only when it is not a listed word or an inflected verb/plural.
    const idLike = /[-\d_]/.test(id);
    if (idLike || !(rules.tenantNouns.includes(id) || /(?:s|ed|ing)$/.test(id))) found.add(m[1]!);
  }
  return [...found];
}

/** The shape of an identifier, so a claim's email is compared with an action's email and `inv_…` with `inv_…`. */
export function identifierShape(id: string): string | undefined {
  if (id.includes('@')) return 'email';
  const prefix = /^([a-z]{2,8})_[a-z0-9_]+$/i.exec(id);
  return prefix ? `${prefix[1]!.toLowerCase()}_` : undefined;
}
