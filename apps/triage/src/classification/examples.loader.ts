import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '@switchboard/observability';

/** One labelled example ticket. */
export interface LabelledExample {
  intent: string;
  /** ISO 639-1 code. */
  language: string;
  text: string;
}

/** The labelled examples of every intent, with each intent's one-line description (shown to the model). */
export interface TriageExamples {
  descriptions: Record<string, string>;
  examples: LabelledExample[];
}

export const MIN_EXAMPLES_PER_INTENT = 3;

const ExamplesFileSchema = z.object({
  version: z.literal(1),
  intents: z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/, 'intent names are snake_case'),
    z.object({
      description: z.string().trim().min(10).max(300),
      // Language keys are checked after parsing: zod reports a bad record key without the regex message.
      examples: z.record(z.string(), z.array(z.string().trim().min(3).max(1000))),
    }).strict(),
  ),
}).strict();

/**
 * Reads and checks the labelled examples file (`TRIAGE_EXAMPLES_FILE`, YAML): every intent of the taxonomy needs a
 * description and at least {@link MIN_EXAMPLES_PER_INTENT} examples; texts are non-empty and unique; intents outside
 * the taxonomy are refused (a typo would silently never vote). Throws `ConfigError` listing every problem, so a
 * malformed file stops the service at start-up rather than half-loading.
 *
 * @example
 * const examples = loadTriageExamples('data/triage/examples.yaml', ['refund', 'other']);
 * examples.examples[0]; // { intent: 'refund', language: 'en', text: '…' }
 */
export function loadTriageExamples(path: string, taxonomy: readonly string[]): TriageExamples {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`TRIAGE_EXAMPLES_FILE: cannot read ${path}: ${(error as Error).message}`]);
  }
  return parseTriageExamples(text, taxonomy, path);
}

/**
 * {@link loadTriageExamples} on text already read (tests, other sources).
 *
 * @example
 * parseTriageExamples('version: 1\nintents: {}', ['other'], 'inline'); // throws ConfigError: intent "other" has no examples
 */
export function parseTriageExamples(text: string, taxonomy: readonly string[], source: string): TriageExamples {
  const at = (path: PropertyKey[]) => `${source}: ${path.length ? path.join('.') : '(root)'}`;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${source}: not YAML (${(error as Error).message.split('\n')[0]})`]);
  }
  // Shape problems and content problems are reported together: the content checks run on whatever part is readable.
  const parsed = ExamplesFileSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${at(i.path)}: ${i.message}`);
  const intentsRaw = (raw as { intents?: unknown } | null)?.intents;
  const entries = intentsRaw && typeof intentsRaw === 'object' && !Array.isArray(intentsRaw) ? Object.entries(intentsRaw as Record<string, unknown>) : [];

  const descriptions: Record<string, string> = {};
  const examples: LabelledExample[] = [];
  const seen = new Map<string, string>();
  for (const [intent, entry] of entries) {
    if (!taxonomy.includes(intent)) problems.push(`${at(['intents', intent])}: not in the intent taxonomy (${taxonomy.join(', ')})`);
    const { description, examples: byLanguage } = (entry ?? {}) as { description?: unknown; examples?: unknown };
    if (typeof description === 'string') descriptions[intent] = description.trim();
    if (!byLanguage || typeof byLanguage !== 'object') continue;
    for (const [language, texts] of Object.entries(byLanguage as Record<string, unknown>)) {
      if (!/^[a-z]{2}$/.test(language)) problems.push(`${at(['intents', intent, 'examples', language])}: language keys are ISO 639-1 codes (en, fr, de, …)`);
      if (!Array.isArray(texts)) continue;
      texts.forEach((t, i) => {
        if (typeof t !== 'string') return;
        const key = t.trim().toLowerCase().replace(/\s+/g, ' ');
        const first = seen.get(key);
        if (first) problems.push(`${at(['intents', intent, 'examples', language, i])}: duplicate of ${first}`);
        else seen.set(key, `intents.${intent}.examples.${language}.${i}`);
        examples.push({ intent, language, text: t.trim() });
      });
    }
  }
  for (const intent of taxonomy) {
    const n = examples.filter((e) => e.intent === intent).length;
    if (!entries.some(([name]) => name === intent)) problems.push(`${at(['intents'])}: intent "${intent}" has no description and no examples`);
    else if (n < MIN_EXAMPLES_PER_INTENT) problems.push(`${at(['intents', intent, 'examples'])}: ${n} example(s), at least ${MIN_EXAMPLES_PER_INTENT} needed`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { descriptions, examples };
}
