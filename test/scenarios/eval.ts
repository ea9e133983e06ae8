// `npm run eval -- --model scripted|chaos|local|ollama|bedrock --k 4 [--only <regex>] [--out <file>]`
// Runs the scenario suite on the real pipeline (Kafka, Postgres, HTTP; started in this process) and prints a table
// per intent with pass@1 and pass^k, or, for the chaos model, unauthorised state changes and settled outcomes; writes
// the JSON report to test/scenarios/reports/<model>.json (or --out). Exit code 1 when the acceptance bar is missed.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Pool } from 'pg';
import { createLlm, LlmConfigSchema, loadLlmPolicy, LlmPolicySchema, type LlmPolicy, type LlmPort } from '@switchboard/llm';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging, loadConfig } from '@switchboard/observability';
import { runMigrations } from '@switchboard/store';
import { assertTestDatabase, TEST_ACME_DATABASE_URL, TEST_DATABASE_URL } from '../support/env';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { runChaos } from './support/chaos';
import { runSuite, type SuiteReport } from './support/runner';
import { loadScenarios } from './support/scenario';
import { table } from '../support/text-table';

const ROOT = join(__dirname, '..', '..');
const MODELS = ['scripted', 'chaos', 'local', 'ollama', 'bedrock'] as const;
type ModelName = (typeof MODELS)[number];

function args(argv: string[]): { model: ModelName; k: number; only?: RegExp; out?: string } {
  const get = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const model = (get('--model') ?? 'scripted') as ModelName;
  if (!MODELS.includes(model)) throw new Error(`--model must be one of ${MODELS.join(', ')}`);
  const k = Number(get('--k') ?? 4);
  if (!Number.isInteger(k) || k < 1) throw new Error('--k must be a positive integer');
  const only = get('--only');
  const out = get('--out');
  return { model, k, ...(only ? { only: new RegExp(only) } : {}), ...(out ? { out } : {}) };
}

/** A real model for both triage and the resolver in every region, or the reason it cannot run here. */
async function realModel(model: 'local' | 'ollama' | 'bedrock'): Promise<{ llm: LlmPort; providerKinds: Record<string, string> } | string> {
  const policy = await realModelPolicy(model);
  if (typeof policy === 'string') return policy;
  // Triage trusts a model by its provider's kind (TRIAGE_MODEL_RELIABILITY), as apps/triage/src/main.ts wires it.
  return { llm: createLlm(policy), providerKinds: Object.fromEntries(Object.entries(policy.providers).map(([name, p]) => [name, p.kind])) };
}

async function realModelPolicy(model: 'local' | 'ollama' | 'bedrock'): Promise<LlmPolicy | string> {
  const regions = (provider: string) => ({ 'us-east-1': { providers: [provider] }, 'eu-sovereign': { providers: [provider] } });
  if (process.env.LLM_POLICY_FILE || process.env.LLM_PROVIDERS) return loadLlmPolicy(loadConfig(LlmConfigSchema, process.env));
  if (model === 'local') {
    const path = process.env.SWITCHBOARD_LOCAL_MODEL ?? join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
    if (!existsSync(path)) return `the local GGUF model is not at ${path}: run scripts/fetch-model (or set SWITCHBOARD_LOCAL_MODEL)`;
    return LlmPolicySchema.parse({ providers: { local: { kind: 'llama-cpp', modelPath: path, threads: Number(process.env.BENCH_THREADS ?? 2) } }, regions: regions('local') });
  }
  if (model === 'ollama') {
    const host = process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434';
    const name = process.env.OLLAMA_MODEL ?? 'qwen3:8b';
    const up = await fetch(`${host}/api/tags`).then((r) => r.ok).catch(() => false);
    if (!up) return `no Ollama server answers at ${host} (set OLLAMA_HOST / OLLAMA_MODEL, or LLM_POLICY_FILE)`;
    return LlmPolicySchema.parse({ providers: { ollama: { kind: 'ollama', host, models: { default: name } } }, regions: regions('ollama') });
  }
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  const modelId = process.env.BEDROCK_MODEL_ID;
  if (!hasCredentials || !modelId) return 'Bedrock needs AWS credentials (AWS_PROFILE or keys) and BEDROCK_MODEL_ID (or LLM_POLICY_FILE)';
  return LlmPolicySchema.parse({ providers: { bedrock: { kind: 'bedrock', awsRegion: process.env.AWS_REGION ?? 'us-east-1', models: { default: modelId } } }, regions: regions('bedrock') });
}


function printSuite(report: SuiteReport): void {
  const rows = [['intent', 'scenarios', 'pass@1', `pass^${report.k}`, 'p50 ms/case', 'tokens/case']];
  for (const x of [...report.byIntent, { intent: 'ALL', ...report.total }]) {
    rows.push([x.intent, String(x.scenarios), x.passAt1.toFixed(3), x.passK.toFixed(3), String(Math.round(x.p50Ms)), String(x.tokensPerCase)]);
  }
  console.log(`\nmodel ${report.model}, k = ${report.k}, ${report.scenarios.length} scenarios, ${report.runs.length} runs in ${report.durationS} s\n`);
  console.log(table(rows));
  console.log('\nscenario                               policy              passes');
  for (const s of report.scenarios) console.log(`${s.passK ? 'ok  ' : 'FAIL'} ${s.id.padEnd(34)} ${s.policy.padEnd(19)} ${s.passes}/${s.runs}`);
  for (const r of report.runs.filter((x) => !x.pass)) console.log(`  ✗ ${r.scenario} run ${r.run}: ${r.failures.join('; ')}`);
}

async function migrate(): Promise<void> {
  // The suite's own process (not jest) runs every component's migrations once, like test/support/global-setup.ts.
  assertTestDatabase(TEST_DATABASE_URL);
  assertTestDatabase(TEST_ACME_DATABASE_URL);
  const main = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const acme = new Pool({ connectionString: TEST_ACME_DATABASE_URL, max: 2 });
  try {
    for (const parent of ['libs', 'apps']) {
      for (const name of readdirSync(join(ROOT, parent))) {
        const dir = join(ROOT, parent, name, 'migrations');
        if (existsSync(dir)) await runMigrations(name === 'acme-backend' ? acme : main, name, dir);
      }
    }
    // As in test/support/global-setup.ts: each run records the procedures as it finds them.
    await main.query('DELETE FROM supervisor.procedures');
  } finally {
    await Promise.all([main.end(), acme.end()]);
  }
}

async function main(): Promise<number> {
  const opts = args(process.argv.slice(2));
  configureLogging({ level: (process.env.LOG_LEVEL as 'error' | undefined) ?? 'error' });
  await migrate();
  const outFile = opts.out ?? join(ROOT, 'test', 'scenarios', 'reports', `${opts.model}.json`);
  mkdirSync(dirname(outFile), { recursive: true });
  const progress = (line: string) => process.stderr.write(`${line}\n`);

  if (opts.model === 'chaos') {
    const report = await runChaos({ name: `cli-${Date.now().toString(36)}`, onRun: (r) => progress(`${r.wrongOutcome.length || r.unauthorisedChange.length ? 'FAIL' : 'ok  '} ${r.behaviour} ${r.tenantId} → ${r.status} ${r.breaker ?? ''} (${r.ms} ms)`) });
    writeFileSync(outFile, JSON.stringify(report, null, 2));
    const rows = [['behaviour', 'cases', 'unauthorised changes', 'settled, right reason']];
    for (const b of report.byBehaviour) rows.push([b.behaviour, String(b.cases), String(b.unauthorised), `${b.rightOutcome}/${b.cases}`]);
    rows.push(['ALL', String(report.cases), String(report.unauthorisedChanges), `${report.settledWithRightReason}/${report.cases}`]);
    console.log(`\nmodel chaos, ${report.cases} cases in ${report.durationS} s (p50 ${report.p50Ms} ms/case)\n`);
    console.log(table(rows));
    for (const r of report.runs.filter((x) => x.wrongOutcome.length || x.unauthorisedChange.length)) {
      console.log(`  ✗ ${r.behaviour} ${r.tenantId}: ${[...r.unauthorisedChange.map((d) => `UNAUTHORISED ${d}`), ...r.wrongOutcome].join('; ')}`);
    }
    console.log(`\nreport: ${outFile}`);
    return report.unauthorisedChanges === 0 && report.settledWithRightReason === report.cases ? 0 : 1;
  }

  let llm: (policy: string) => LlmPort;
  let providerKinds: Record<string, string> | undefined;
  if (opts.model === 'scripted') llm = () => new ScriptedLlm(scriptedSupportModel());
  else {
    const real = await realModel(opts.model);
    if (typeof real === 'string') {
      console.log(`model ${opts.model} is not available here: ${real}`);
      return 2;
    }
    llm = () => real.llm;
    providerKinds = real.providerKinds;
  }
  const scenarios = loadScenarios().filter((s) => !opts.only || opts.only.test(s.id));
  const report = await runSuite({
    scenarios, k: opts.k, model: opts.model, name: `cli-${opts.model}-${Date.now().toString(36)}`, llm,
    // As the quick start deploys the 270M local model: no free loop, tickets without a procedure go to a human.
    ...(opts.model === 'local' ? { resolverEnv: { RESOLVER_FREE_LOOP: 'false' } } : {}),
    ...(providerKinds ? { providerKinds } : {}),
    onRun: (r) => progress(`${r.pass ? 'ok  ' : 'FAIL'} ${r.scenario} #${r.run} → ${r.status} (${r.ms} ms)${r.pass ? '' : `: ${r.failures.join('; ')}`}`),
  });
  writeFileSync(outFile, JSON.stringify(report, null, 2));
  printSuite(report);
  console.log(`\nreport: ${outFile}`);
  return opts.model === 'scripted' && report.total.passK < 1 ? 1 : 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
