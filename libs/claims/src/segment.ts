const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });

/** A list marker the segmenter leaves on its own ("1. ", "a) ", "- "). */
const LIST_MARKER = /^\s*(?:\d{1,2}|[a-z])[.)]\s*$|^\s*[-*•·]\s*$/i;
/** Abbreviations after which the segmenter wrongly ends a sentence. */
const ABBREVIATION = /\b(?:e\.g|i\.e|etc|approx|vs|dr|mr|mrs|ms|no|nr|z\.b|bzw|ca|usw|p\.ej|p\. ej|env|cf)\.\s*$/i;

/**
 * Splits a reply into sentences with the Unicode sentence rules (`Intl.Segmenter`), then repairs the two places
 * where they over-split support replies: list markers ("1. Open Settings") and abbreviations ("e.g. this").
 * Line breaks end a sentence, so greetings and signatures come out on their own.
 *
 * @example
 * splitSentences('Hi Anna,\nWe reset your cache. Thanks!'); // ['Hi Anna,', 'We reset your cache.', 'Thanks!']
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let carry = '';
  // A single line break before a lower-case word is a soft wrap inside a sentence (markdown, quoted passages), not an
  // end; a list item or a capitalised line still starts a new segment.
  const unwrapped = text.replace(/([^\n])[ \t]*\n[ \t]*(?=\p{Ll})/gu, '$1 ');
  for (const { segment } of SEGMENTER.segment(unwrapped)) {
    const piece = carry + segment;
    if (LIST_MARKER.test(segment) || ABBREVIATION.test(segment)) {
      carry = piece;
      continue;
    }
    carry = '';
    const trimmed = piece.trim().replace(/^[-*•·]\s+/, '');
    if (/[\p{L}\p{N}]/u.test(trimmed)) out.push(trimmed);
  }
  const rest = carry.trim();
  if (/[\p{L}\p{N}]/u.test(rest)) out.push(rest);
  return out;
}

/**
 * Lower-cases, folds accents and typographic quotes, and collapses spaces, so one lexicon pattern covers
 * "réglé"/"regle", "caché"/"cache" and "We’ve"/"we've".
 *
 * @example
 * fold('C’est réglé'); // "c'est regle"
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[‘’ʼ`´]/g, "'")
    .replace(/[“”«»„]/g, '"')
    .replace(/[\u00a0\u2009\u202f]/g, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Where one clause of a sentence ends and the next, with its own subject, begins. */
const CLAUSE_BREAK = new RegExp(
  [
    '\\s*;\\s*',
    '\\s+[—–]\\s+',
    ':\\s+',
    ',?\\s+(?:but|while|whereas|mais|aber|pero|sino)\\s+',
    ',\\s+(?:and|so|et|und|y|also|donc|asi que)\\s+',
    '\\s+(?:and|et|und|y|e)\\s+(?=(?:we|i|you|your|the|our|it|its|everything|all|nous|vous|votre|vos|le|la|les|tout|wir|sie|ihr|ihre|ihres|das|der|die|alles|hemos|su|sus|el|los|las|todo)\\b)',
    ',\\s+(?=(?:we|i|you|your|the|our|it|everything|nous|vous|votre|wir|sie|ihr|ihre|das|der|die|alles|hemos|su|el|la|todo|so)\\b)',
  ].join('|'),
);

/**
 * Splits a folded sentence into clauses at semicolons, dashes, colons and conjunctions that start a new subject, so
 * "we reset your cache and your invoices were not affected" is checked as two statements.
 *
 * @example
 * splitClauses('we reset your cache and your dashboard works again'); // ['we reset your cache', 'your dashboard works again']
 */
export function splitClauses(folded: string): string[] {
  return folded.split(CLAUSE_BREAK).map((c) => c.trim()).filter((c) => /[\p{L}\p{N}]/u.test(c));
}
