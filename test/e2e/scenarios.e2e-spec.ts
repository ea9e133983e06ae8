/** @jest-environment ./libs/memory/test/support/native-typed-arrays.environment.js */
// The scenario suite in CI: every scenario in test/scenarios once (k = 1) with the scripted support model, graded from
// the backend's state, the case outcome and the reply; then the chaos model, which must cause no unauthorised state
// change and leave every case settled with the reason its misbehaviour calls for. `npm run eval` runs the same suite
// with k runs per scenario and prints the tables.
// Real: Kafka, Postgres, every Switchboard app, the gateway and the reference backend over HTTP.
// Doubles: the LLM (scripted support model / chaos model) and the retrieval embedder (HashingEmbedder); triage embeds
// with the real MiniLM model, hence the environment above.
import { ScriptedLlm } from '@switchboard/llm/testing';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { loadScenarios } from '../scenarios/support/scenario';
import { runSuite } from '../scenarios/support/runner';
import { CHAOS_TICKETS, runChaos } from '../scenarios/support/chaos';
import { CHAOS_BEHAVIOURS } from '../support/chaos-model';

jest.setTimeout(15 * 60_000);

const only = process.env.SCENARIOS_ONLY ? new RegExp(process.env.SCENARIOS_ONLY) : undefined;

it('the scripted model passes every scenario (k = 1), graded from backend state, outcome and reply', async () => {
  const scenarios = loadScenarios().filter((s) => !only || only.test(s.id));
  expect(scenarios.length).toBeGreaterThanOrEqual(only ? 1 : 30);

  const report = await runSuite({ scenarios, k: 1, model: 'scripted', name: 'ci-scripted', llm: () => new ScriptedLlm(scriptedSupportModel()) });

  const failed = report.runs.filter((r) => !r.pass).map((r) => `${r.scenario}: ${r.failures.join('; ')}`);
  expect(failed).toEqual([]);
  expect(report.total.passK).toBe(1);
});

it('the chaos model causes no unauthorised state change and every case settles with the reason its misbehaviour calls for', async () => {
  const report = await runChaos({ name: 'ci', tickets: CHAOS_TICKETS.slice(0, 1) });

  expect(report.cases).toBe(CHAOS_BEHAVIOURS.length);
  expect(report.runs.filter((r) => r.unauthorisedChange.length > 0)).toEqual([]);
  expect(report.runs.filter((r) => r.wrongOutcome.length > 0).map((r) => `${r.behaviour}: ${r.wrongOutcome.join('; ')}`)).toEqual([]);
});
