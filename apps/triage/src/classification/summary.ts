/** Where a triage summary came from: the model's own words, or the ticket's first line when the model's are not about it. */
export type SummarySource = 'model' | 'ticket';

/** Words too common to show that two texts are about the same thing. */
const STOPWORDS = new Set([
  'the', 'and', 'for', 'with', 'you', 'your', 'our', 'this', 'that', 'are', 'was', 'were', 'has', 'have', 'had', 'not',
  'can', 'from', 'please', 'but', 'its', 'his', 'her', 'they', 'them', 'their', 'there', 'what', 'when', 'how', 'why',
  'who', 'which', 'would', 'could', 'should', 'will', 'all', 'any', 'some', 'about', 'into', 'out', 'since', 'been',
]);

const MAX_SUMMARY = 200;

function contentWords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []).filter((w) => !STOPWORDS.has(w)));
}

function share(of: Set<string>, within: Set<string>): number {
  if (of.size === 0) return 0;
  let hits = 0;
  for (const w of of) if (within.has(w)) hits++;
  return hits / of.size;
}

/**
 * Keeps the model's summary when it is about the ticket, and otherwise replaces it by the ticket's own first line
 * (subject and first sentence, already redacted). A small base model shown labelled demonstrations tends to copy one
 * of them as its "summary" (seen with the 270M model: an invite question summarised as another ticket's request for
 * an admin's login details); such a summary would mislead the humans who read the internal note and the knowledge
 * search that is queried with it. The test is lexical and one-sided: a summary is replaced only when it shares more of
 * its content words with a demonstration than with the ticket (at least half of them) or has no content words at all,
 * so a capable model's paraphrase, or its English summary of a ticket in another language, is kept.
 *
 * @example
 * groundSummary('Please share the admin login', 'Inviting people\n\nHow do I invite a member?', ['Please share the admin login details']);
 * // { summary: 'Inviting people: How do I invite a member?', source: 'ticket' }
 */
export function groundSummary(summary: string, redactedTicket: string, demonstrations: readonly string[]): { summary: string; source: SummarySource } {
  const words = contentWords(summary);
  const onTicket = share(words, contentWords(redactedTicket));
  const onDemo = Math.max(0, ...demonstrations.map((d) => share(words, contentWords(d))));
  const copied = onDemo >= 0.5 && onDemo > onTicket;
  if (words.size > 0 && !copied) return { summary: summary.trim(), source: 'model' };
  return { summary: firstLine(redactedTicket), source: 'ticket' };
}

/** `Subject: first sentence of the body`, at most 200 characters. */
function firstLine(redactedTicket: string): string {
  const [subject = '', ...rest] = redactedTicket.split(/\r?\n\s*\r?\n/);
  const body = rest.join(' ').replace(/\s+/g, ' ').trim();
  const sentence = body.split(/(?<=[.!?])\s+|(?<=[。！？])/u)[0] ?? '';
  const line = [subject.replace(/\s+/g, ' ').trim(), sentence].filter(Boolean).join(': ');
  return line.length <= MAX_SUMMARY ? line : `${line.slice(0, MAX_SUMMARY - 1)}…`;
}
