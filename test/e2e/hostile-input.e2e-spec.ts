// Hostile input end to end (a smaller sample of `npm run eval:hostile`): generated tickets with NUL characters, unpaired
// surrogates, deep and huge metadata, huge strings, wrong types, malformed JSON and injections, half over the ingress
// HTTP API, half written straight to tickets.ingress. Real: Kafka, Postgres, the ingress, the supervisor, the four
// agents, the gateway and the reference backend. Doubles: the LLM (ScriptedLlm with the scripted support model) and the
// embedder (HashingEmbedder).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHostile, summarize, type HostileReport } from '../support/hostile-run';

jest.setTimeout(300_000);

describe('hostile tickets over HTTP and Kafka', () => {
  let report: HostileReport;

  beforeAll(async () => {
    const policyYaml = readFileSync(join(__dirname, '..', 'scenarios', 'policies', 'autonomous.yaml'), 'utf8');
    report = await runHostile({ count: 160, seed: 5, policyYaml, settleTimeoutMs: 180_000 });
  });

  it('refuses each unstorable or invalid one with a reason, settles each accepted one as a case, loses none and crashes nothing', () => {
    const { lines, pass } = summarize(report);
    expect({ pass, lines }).toEqual({ pass: true, lines });
    expect(report.crashes).toEqual([]);
    expect(report.failedCases).toEqual([]);
    expect(report.outcomes).toHaveLength(160);
  });

  it('refuses every input the store cannot hold on both channels, and accepts the nasty but storable ones', () => {
    const of = (kind: string, channel: 'http' | 'kafka') => report.outcomes.filter((o) => o.kind === kind && o.channel === channel);
    for (const channel of ['http', 'kafka'] as const) {
      for (const kind of ['nul', 'lone-surrogate', 'unstorable-metadata', 'deep-metadata']) {
        const outcomes = of(kind, channel);
        expect(outcomes.length).toBeGreaterThan(0);
        expect(outcomes.map((o) => o.result)).toEqual(outcomes.map(() => 'refused'));
        expect(outcomes.every((o) => (channel === 'http' ? /^(413 INGRESS\.BODY_TOO_LARGE|422 INGRESS\.TICKET_INVALID)$/ : /^BUS\.SCHEMA_INVALID$/).test(o.reason ?? ''))).toBe(true);
      }
      const storable = of('valid-nasty-text', channel);
      expect(storable.length).toBeGreaterThan(0);
      expect(storable.map((o) => o.result)).toEqual(storable.map(() => 'settled'));
    }
  });
});
