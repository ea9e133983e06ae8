import { join } from 'node:path';
import { DEFAULT_INTENTS } from '@switchboard/contracts';
import { ConfigError } from '@switchboard/observability';
import { loadTriageExamples, parseTriageExamples } from './examples.loader';

const TAXONOMY = ['refund', 'other'];
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

const valid = `
version: 1
intents:
  refund:
    description: Money back for a duplicate or wrong charge.
    examples:
      en: [Please refund the duplicate charge, I want my money back, You billed us twice]
      fr: [Remboursez le doublon svp]
  other:
    description: Anything else, e.g. company details.
    examples:
      en: [Update our postal address, Can we talk to sales?, Thanks for the help]
`;

describe('loadTriageExamples', () => {
  it('loads the shipped file for the default taxonomy, every intent in seven languages', () => {
    const sut = loadTriageExamples(join(__dirname, '..', '..', '..', '..', 'data', 'triage', 'examples.yaml'), DEFAULT_INTENTS);
    for (const intent of DEFAULT_INTENTS) {
      const mine = sut.examples.filter((e) => e.intent === intent);
      expect(mine.length).toBeGreaterThanOrEqual(15);
      expect(new Set(mine.map((e) => e.language))).toEqual(new Set(['en', 'fr', 'de', 'es', 'it', 'pt', 'nl']));
      expect(sut.descriptions[intent]).toBeTruthy();
    }
  });

  it('parses examples with their intent and language', () => {
    const sut = parseTriageExamples(valid, TAXONOMY, 'x.yaml');
    expect(sut.examples).toContainEqual({ intent: 'refund', language: 'fr', text: 'Remboursez le doublon svp' });
    expect(sut.examples).toHaveLength(7);
    expect(sut.descriptions.other).toBe('Anything else, e.g. company details.');
  });

  it('lists every problem at once: unknown intent, duplicates, missing and thin intents', () => {
    const text = `
version: 1
intents:
  refund:
    description: Money back for a duplicate or wrong charge.
    examples:
      en: [Please refund the duplicate charge, please  REFUND the duplicate charge]
  refnud:
    description: A typo of an intent name.
    examples:
      en: [one example, two examples, three examples]
`;
    const problems = problemsOf(() => parseTriageExamples(text, TAXONOMY, 'x.yaml'));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^x\.yaml: intents\.refund\.examples\.en\.1: duplicate of intents\.refund\.examples\.en\.0/),
      expect.stringMatching(/^x\.yaml: intents\.refnud: not in the intent taxonomy/),
      expect.stringMatching(/^x\.yaml: intents\.refund\.examples: 2 example\(s\), at least 3 needed/),
      expect.stringMatching(/^x\.yaml: intents: intent "other" has no description and no examples/),
    ]));
    expect(problems).toHaveLength(4);
  });

  it('refuses a file of the wrong shape with the path of each bad field', () => {
    const problems = problemsOf(() => parseTriageExamples('version: 2\nintents:\n  refund:\n    examples:\n      en: [x]\n', TAXONOMY, 'x.yaml'));
    // Shape problems and content problems come in one list.
    expect(problems).toEqual([
      expect.stringMatching(/^x\.yaml: version: /),
      expect.stringMatching(/^x\.yaml: intents\.refund\.description: /),
      expect.stringMatching(/^x\.yaml: intents\.refund\.examples\.en\.0: .*>=3 characters/),
      'x.yaml: intents.refund.examples: 1 example(s), at least 3 needed',
      'x.yaml: intents: intent "other" has no description and no examples',
    ]);
    const languages = problemsOf(() => parseTriageExamples(valid.replace('fr:', 'french:'), TAXONOMY, 'x.yaml'));
    expect(languages).toEqual([expect.stringMatching(/^x\.yaml: intents\.refund\.examples\.french: language keys are ISO 639-1 codes/)]);
  });

  it('refuses text that is not YAML and a file that is missing', () => {
    expect(problemsOf(() => parseTriageExamples('intents: [unclosed', TAXONOMY, 'x.yaml'))[0]).toMatch(/^x\.yaml: not YAML/);
    expect(problemsOf(() => loadTriageExamples('/nonexistent/examples.yaml', TAXONOMY))[0]).toMatch(/^TRIAGE_EXAMPLES_FILE: cannot read \/nonexistent\/examples\.yaml/);
  });
});
