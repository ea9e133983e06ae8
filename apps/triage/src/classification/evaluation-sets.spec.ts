// The triage evaluation sets (test/triage/*.json, read by `npm run eval:triage`) are data from outside the code: each
// is parsed here, and kept apart from the training examples — a ticket the examples contain (after case, punctuation
// and whitespace are ignored) would score the classifier on what it was given.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_INTENTS } from '@switchboard/contracts';
import { loadTriageExamples } from './examples.loader';

const ROOT = join(__dirname, '..', '..', '..', '..');
const SetSchema = z.object({
  about: z.string().min(20),
  tickets: z.array(z.object({
    text: z.string().min(5).max(4000),
    intent: z.enum(DEFAULT_INTENTS as unknown as [string, ...string[]]),
    language: z.enum(['en', 'fr', 'de', 'es', 'it', 'pt', 'nl']),
    subset: z.enum(['plain', 'paraphrase', 'non_english', 'multi_issue', 'injection']),
  }).strict()).min(60),
}).strict();
const normalise = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

const examples = loadTriageExamples(join(ROOT, 'data', 'triage', 'examples.yaml'), DEFAULT_INTENTS).examples.map((e) => normalise(e.text));
const sets = ['labelled-tickets.json', 'blind5-tickets.json', 'blind6-tickets.json'].map((file) => [file, SetSchema.parse(JSON.parse(readFileSync(join(ROOT, 'test', 'triage', file), 'utf8')))] as const);

describe.each(sets)('evaluation set %s', (_file, set) => {
  it('labels every intent of the default taxonomy, and non-English tickets are not in English', () => {
    expect(new Set(set.tickets.map((t) => t.intent))).toEqual(new Set(DEFAULT_INTENTS));
    for (const t of set.tickets.filter((x) => x.subset === 'non_english')) expect(t.language).not.toBe('en');
  });

  it('shares no ticket, subject or body with the training examples', () => {
    const parts = set.tickets.flatMap((t) => [t.text, ...t.text.split(/\n+/)]).map(normalise).filter((p) => p.length >= 12);
    expect(parts.filter((p) => examples.includes(p))).toEqual([]);
  });

  it('has no ticket twice', () => {
    const texts = set.tickets.map((t) => normalise(t.text));
    expect(texts.length).toBe(new Set(texts).size);
  });
});

it('the sets share no ticket', () => {
  const seen = new Map<string, string>();
  const shared: string[] = [];
  for (const [file, set] of sets) {
    for (const t of set.tickets) {
      const other = seen.get(normalise(t.text));
      if (other !== undefined && other !== file) shared.push(`${file} and ${other}: ${t.text.slice(0, 40)}`);
      seen.set(normalise(t.text), file);
    }
  }
  expect(shared).toEqual([]);
});
