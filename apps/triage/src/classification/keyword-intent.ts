/** Cue words per default intent; a cheap second opinion used to calibrate the model's confidence. */
const CUES: Record<string, RegExp> = {
  dashboard_cache: /\b(dashboard|blank (page|screen)|cache|stale|not loading|won'?t load|spinner)\b/i,
  feature_flag: /\b(feature[- ]?flag|toggle|flag|beta feature|rollout)\b/i,
  trial_extension: /\b(trial|extend|extension|more time to evaluate)\b/i,
  refund: /\b(refund|charged twice|double charge|money back|overcharg|invoice)\w*/i,
  account_lockout: /\b(locked out|lockout|locked|unlock|can'?t log ?in|cannot log ?in|too many attempts)\b/i,
  how_to: /\b(how (do|can|to)|where (do|can|is)|is it possible to)\b/i,
  bug_report: /\b(bug|error|exception|crash|broken|500)\b/i,
};

/**
 * Intents whose cue words appear in the text, in taxonomy order.
 *
 * @example
 * keywordIntents('Please refund invoice INV-7', ['refund', 'other']); // ['refund']
 */
export function keywordIntents(text: string, taxonomy: readonly string[]): string[] {
  return taxonomy.filter((intent) => CUES[intent]?.test(text));
}

/**
 * Calibrates a model's self-reported confidence, which small models overstate: it is kept when the keyword cues
 * agree with the model's intent, capped when they point elsewhere or nowhere, and capped hard when the ticket
 * carries signs of prompt injection. The result feeds the supervisor's autonomy threshold.
 *
 * @example
 * calibrate(0.99, 'refund', ['trial_extension'], 'none'); // 0.6
 */
export function calibrate(modelConfidence: number, intent: string, cueIntents: readonly string[], injection: 'none' | 'suspected' | 'high'): number {
  let c = Math.min(Math.max(modelConfidence, 0), 1);
  if (cueIntents.length > 0 && !cueIntents.includes(intent)) c = Math.min(c, 0.6);
  else if (cueIntents.length === 0 && intent !== 'other' && intent !== 'how_to') c = Math.min(c, 0.8);
  if (injection === 'suspected') c = Math.min(c, 0.9);
  if (injection === 'high') c = Math.min(c, 0.5);
  return Math.round(c * 1000) / 1000;
}

/** Amounts like `$120.50`, `120 USD`, `€40` mentioned in the text. */
export function extractAmounts(text: string): number[] {
  const amounts = new Set<number>();
  for (const m of text.matchAll(/(?:[$€£]\s?(\d{1,7}(?:[.,]\d{1,2})?))|(?:\b(\d{1,7}(?:[.,]\d{1,2})?)\s?(?:USD|EUR|GBP|dollars|euros)\b)/gi)) {
    const raw = (m[1] ?? m[2])!.replace(',', '.');
    amounts.add(Number(raw));
  }
  return [...amounts];
}

/** Identifiers such as invoice, ticket or user ids (`INV-2041`, `usr_19`). */
export function extractIds(text: string): string[] {
  const withoutPlaceholders = text.replace(/\[REDACTED:[a-z_]+\]/g, ' ');
  return [...new Set([...withoutPlaceholders.matchAll(/\b(?:[A-Z]{2,5}-\d{2,10}|[a-z]{2,5}_[A-Za-z0-9]{2,24})\b/g)].map((m) => m[0]))];
}
