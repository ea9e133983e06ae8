// `npm run eval:triage -- [--model local|scripted|policy] [--set labelled|blind5|blind6] [--out <file>] [--limit <n>]`
// Runs the real triage code path (TriageService: screening, entity extraction, the real multilingual sentence encoder
// (USE-m3, scripts/fetch-encoder) over the shipped labelled examples, character n-grams, the model with demonstrations, the signal ensemble) over an evaluation
// set (test/triage/labelled-tickets.json, or with `--set blind5` / `blind6` the blind sets, never used for tuning),
// and prints accuracy overall, per subset and per intent, the calibration at the autonomy threshold, and LLM calls,
// tokens and time per ticket — next to baselines measured in the same run on the same tickets: the previous behaviour
// (one zero-shot model call + the English cue-word calibration, kept in ./baseline.ts), the model alone, the
// examples signals alone, the previous release's examples vote (its one-line examples, 3 neighbours) and the one before
// (English MiniLM + n-grams over the same one-line examples, scripts/fetch-embeddings).
// Needs no Kafka or Postgres.
// `--model policy` uses LLM_POLICY_FILE (or LLM_PROVIDERS + LLM_REGIONS), e.g. an Ollama or Bedrock model.
// Exit code: 0 when the run completed (targets missed or not), 1 on a crash, 2 when the model is not available.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TicketEventSchema } from '@switchboard/contracts';
import { createLlm, LlmConfigSchema, LlmOutputInvalidError, LlmPolicySchema, loadLlmPolicy, type LlmPolicy, type LlmPort } from '@switchboard/llm';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { DEFAULT_EMBEDDINGS_DIR, OnnxMiniLmEmbedder, UseMultilingualEmbedder } from '@switchboard/memory';
import { configureLogging, loadConfig } from '@switchboard/observability';
import { ExampleIndex, type ExamplesCalibration, type IntentScores } from '../../apps/triage/src/classification/example-index';
import { loadTriageExamples } from '../../apps/triage/src/classification/examples.loader';
import { extractEntities } from '../../apps/triage/src/classification/entities';
import { capForInjection, combineIntentSignals } from '../../apps/triage/src/classification/intent-ensemble';
import { assessInjection } from '../../apps/triage/src/screening/injection';
import { screenText } from '../../apps/triage/src/screening/redaction';
import { modelReliabilityFor, TriageConfigSchema } from '../../apps/triage/src/triage.config';
import { TriageService } from '../../apps/triage/src/triage.service';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { calibrate, keywordIntents, oldModelAnswer } from './baseline';
import { table } from '../support/text-table';

const ROOT = join(__dirname, '..', '..');
const THRESHOLD = 0.95;
const SUBSETS = ['plain', 'paraphrase', 'non_english', 'multi_issue', 'injection'] as const;

interface Labelled { text: string; intent: string; language: string; subset: (typeof SUBSETS)[number] }
interface Verdict { intent: string; confidence?: number }
interface TicketResult extends Labelled {
  verdicts: Record<string, Verdict>;
  signals: Array<{ source: string; intent: string; score: number }>;
  ensembleMs: number;
  ensembleUsage: { llmCalls: number; inputTokens: number; outputTokens: number };
  baselineMs: number;
  baselineUsage: { llmCalls: number; inputTokens: number; outputTokens: number };
  injectionRisk: string;
  /** The deterministic screen's own risk: where the shipped risk is higher, the model's flag raised it. */
  screenRisk: string;
}

const VARIANTS: Array<{ key: string; label: string }> = [
  { key: 'ensemble', label: 'ensemble (shipped)' },
  { key: 'whole', label: 'ensemble, whole ticket only' },
  { key: 'old', label: 'old: model + English cues' },
  { key: 'model', label: 'model alone (with demos)' },
  { key: 'model0', label: 'model alone (old prompt)' },
  { key: 'examples', label: 'examples alone (+ entities)' },
  { key: 'examplesWhole', label: 'examples alone, whole ticket' },
  { key: 'embedding', label: 'examples: USE-m3 kNN' },
  { key: 'ngram', label: 'examples: n-gram kNN' },
  { key: 'previous', label: 'previous release: one-line examples, k 3' },
  { key: 'minilm', label: 'release before: MiniLM + n-gram' },
];

/**
 * The evaluation sets: `labelled` (the first, scored many times: not blind), `blind5` and `blind6` (96 tickets each,
 * written by helper sessions that had read no file of the project, each first read on the shipped build). The four
 * blind sets before them were read, so their tickets are training examples now (data/triage/examples.yaml, the quoted
 * whole tickets).
 */
const SETS = { labelled: 'labelled-tickets.json', blind5: 'blind5-tickets.json', blind6: 'blind6-tickets.json' } as const;

function args(argv: string[]): { model: 'local' | 'scripted' | 'policy'; set: keyof typeof SETS; out?: string; limit?: number } {
  const get = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const model = (get('--model') ?? 'local') as 'local' | 'scripted' | 'policy';
  if (!['local', 'scripted', 'policy'].includes(model)) throw new Error('--model must be local, scripted or policy');
  const set = (get('--set') ?? 'labelled') as keyof typeof SETS;
  if (!(set in SETS)) throw new Error(`--set must be one of ${Object.keys(SETS).join(', ')}`);
  const limit = get('--limit');
  return { model, set, ...(get('--out') ? { out: get('--out')! } : {}), ...(limit ? { limit: Number(limit) } : {}) };
}

function modelFor(model: 'local' | 'scripted' | 'policy'): { llm: LlmPort; kinds: Record<string, string>; name: string } | string {
  if (model === 'scripted') return { llm: new ScriptedLlm(scriptedSupportModel()), kinds: {}, name: 'scripted support model (test double)' };
  let policy: LlmPolicy;
  if (model === 'policy') {
    try {
      policy = loadLlmPolicy(loadConfig(LlmConfigSchema, process.env));
    } catch (error) {
      return (error as Error).message;
    }
  } else {
    const path = process.env.SWITCHBOARD_LOCAL_MODEL ?? join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
    if (!existsSync(path)) return `the local GGUF model is not at ${path}: run scripts/fetch-model (or set SWITCHBOARD_LOCAL_MODEL)`;
    policy = LlmPolicySchema.parse({ providers: { local: { kind: 'llama-cpp', modelPath: path, threads: Number(process.env.BENCH_THREADS ?? 2) } }, regions: { 'us-east-1': { providers: ['local'] } } });
  }
  const kinds = Object.fromEntries(Object.entries(policy.providers).map(([n, p]) => [n, p.kind]));
  return { llm: createLlm(policy), kinds, name: Object.entries(policy.providers).map(([n, p]) => `${n} (${p.kind})`).join(', ') };
}

const top = (scores: IntentScores): Verdict => {
  const entries = Object.entries(scores);
  if (entries.length === 0) return { intent: 'other', confidence: 0 };
  const [intent, share] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { intent, confidence: Math.round(share * 1000) / 1000 };
};

/** The examples vote's held-out calibration, one band per entry: share, whether the views agree, accuracy (examples). */
function bands(calibration: ExamplesCalibration): string {
  return calibration.map((b) => `≥${b.minShare}${b.viewsAgree ? ' agree' : ' split'}: ${b.accuracy.toFixed(3)} (${b.n})`).join(', ');
}

function pct(n: number, d: number): string {
  return d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}%`;
}


function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
}

async function main(): Promise<number> {
  const opts = args(process.argv.slice(2));
  configureLogging({ level: 'error' });
  const model = modelFor(opts.model);
  if (typeof model === 'string') {
    console.log(`model ${opts.model} is not available here: ${model}`);
    return 2;
  }
  const labelled = (JSON.parse(readFileSync(join(__dirname, SETS[opts.set]), 'utf8')) as { tickets: Labelled[] }).tickets.slice(0, opts.limit);
  const config = loadConfig(TriageConfigSchema, {});
  const intents = [...new Set([...config.TRIAGE_INTENTS, 'other'])];
  const examples = loadTriageExamples(config.TRIAGE_EXAMPLES_FILE, intents);
  const embedder = await UseMultilingualEmbedder.create(config.TRIAGE_ENCODER_DIR);
  const index = await ExampleIndex.build(examples, embedder, { k: config.TRIAGE_NEIGHBOURS });
  // The previous releases' examples votes, same run: the previous release voted with its one-line examples only (the
  // whole tickets, the former blind sets, came with this one) and 3 neighbours; the one before read the same one-liners
  // with the English MiniLM model in place of the encoder, and the whole ticket.
  const oneLiners = { ...examples, examples: examples.examples.filter((e) => !e.text.includes('\n')) };
  const previousIndex = await ExampleIndex.build(oneLiners, embedder, { k: 3 });
  const minilm = await OnnxMiniLmEmbedder.create(process.env.MEMORY_EMBEDDINGS_DIR ?? DEFAULT_EMBEDDINGS_DIR);
  const minilmIndex = await ExampleIndex.build(oneLiners, minilm, { k: 3 });
  const sut = new TriageService(model.llm, config, index, model.kinds);
  const started = Date.now();

  const results: TicketResult[] = [];
  for (const [n, t] of labelled.entries()) {
    const split = t.text.indexOf('\n\n');
    const ticket = TicketEventSchema.parse({
      externalId: `EVAL-${n}`, source: 'api', tenantId: 'globex', region: 'us-east-1', requester: { email: 'requester@customer.example' },
      subject: split > 0 ? t.text.slice(0, split) : t.text, body: split > 0 ? t.text.slice(split + 2) : t.text, receivedAt: '2026-11-21T10:00:00Z',
    });
    const ctx = { caseId: `case_eval${String(n).padStart(20, '0')}`, tenantId: 'globex', region: 'us-east-1', correlationId: `eval-${n}`, attempt: 0 };
    const raw = `${ticket.subject}\n\n${ticket.body}`;

    let t0 = Date.now();
    let handled: Awaited<ReturnType<typeof sut.handle>> | undefined;
    try {
      handled = await sut.handle({ taskId: `eval-${n}`, intents, ticket }, ctx);
    } catch (error) {
      // The model's output failed its schema after every repair: the agent fails the task and the case escalates
      // (agent_unavailable). Counted as a miss that did not clear the threshold, never as a crash of the whole run.
      if (!(error instanceof LlmOutputInvalidError)) throw error;
      process.stderr.write(`model output invalid after ${error.details?.['attempts'] ?? '?'} attempts: the case would escalate\n`);
    }
    const output = handled?.output ?? { intent: '(escalated: model output invalid)', confidence: 0, injectionRisk: assessInjection(raw).risk, signals: [] };
    const usage = handled?.usage ?? { llmCalls: 1 + config.TRIAGE_MAX_REPAIRS, inputTokens: 0, outputTokens: 0 };
    const ensembleMs = Date.now() - t0;

    // Baseline, same ticket, same model: the code path before the ensemble.
    const redacted = screenText(raw, [ticket.requester.email]).redacted;
    const injection = assessInjection(raw);
    t0 = Date.now();
    let old: Awaited<ReturnType<typeof oldModelAnswer>> | undefined;
    try {
      old = await oldModelAnswer(model.llm, redacted, intents, { caseId: ctx.caseId, region: ctx.region, agent: 'triage', tenantId: ctx.tenantId });
    } catch {
      old = undefined; // the old path failed after its repairs: the case would have escalated
    }
    const baselineMs = Date.now() - t0;
    const oldRisk = old?.value.injectionSuspected && injection.risk === 'none' ? 'suspected' : injection.risk;

    const votes = await index.vote(redacted, intents);
    const risk = output.injectionRisk;
    const examplesOnly = combineIntentSignals(intents, [{ source: 'examples', reliability: votes.reliability, scores: votes.examples, leaderOnly: true }], extractEntities(raw, redacted));
    // The vote before the subject line weighed on its own (SUBJECT_WEIGHT 0), combined with the same model answer (that
    // answer saw the shipped demonstrations, so this row isolates the vote, not the prompt).
    const wholeVotes = await index.vote(redacted, intents, { subjectWeight: 0 });
    const examplesWhole = combineIntentSignals(intents, [{ source: 'examples', reliability: wholeVotes.reliability, scores: wholeVotes.examples, leaderOnly: true }], extractEntities(raw, redacted));
    const modelAnswer = output.signals?.find((s) => s.source.startsWith('model:'));
    const whole = combineIntentSignals(intents, [
      { source: 'examples', reliability: wholeVotes.reliability, scores: wholeVotes.examples, leaderOnly: true },
      ...(modelAnswer ? [{ source: modelAnswer.source, reliability: modelReliabilityFor(config.TRIAGE_MODEL_RELIABILITY, modelAnswer.source.slice('model:'.length), model.kinds), scores: { [modelAnswer.intent]: 1 } }] : []),
    ], extractEntities(raw, redacted));
    const previousVotes = await previousIndex.vote(redacted, intents);
    const previous = combineIntentSignals(intents, [{ source: 'examples', reliability: previousVotes.reliability, scores: previousVotes.examples, leaderOnly: true }], extractEntities(raw, redacted));
    const minilmVotes = await minilmIndex.vote(redacted, intents, { subjectWeight: 0 }); // as that release read tickets: whole
    const minilmVote = combineIntentSignals(intents, [{ source: 'examples', reliability: minilmVotes.reliability, scores: minilmVotes.examples, leaderOnly: true }], extractEntities(raw, redacted));
    const modelSignal = output.signals?.find((s) => s.source.startsWith('model:'));
    results.push({
      ...t,
      verdicts: {
        ensemble: { intent: output.intent, confidence: output.confidence },
        old: old ? { intent: old.value.intent, confidence: calibrate(old.value.confidence, old.value.intent, keywordIntents(raw, intents), oldRisk) } : { intent: '(failed)', confidence: 0 },
        model: { intent: modelSignal?.intent ?? '(none)' },
        model0: old ? { intent: old.value.intent, confidence: old.value.confidence } : { intent: '(failed)', confidence: 0 },
        whole: handled ? { intent: whole.intent, confidence: capForInjection(whole.confidence, risk) } : { intent: output.intent, confidence: 0 },
        examples: { intent: examplesOnly.intent, confidence: capForInjection(examplesOnly.confidence, risk) },
        examplesWhole: { intent: examplesWhole.intent, confidence: capForInjection(examplesWhole.confidence, risk) },
        embedding: { ...top(votes.embedding), confidence: capForInjection(top(votes.embedding).confidence!, risk) },
        ngram: { ...top(votes.ngram), confidence: capForInjection(top(votes.ngram).confidence!, risk) },
        previous: { intent: previous.intent, confidence: capForInjection(previous.confidence, risk) },
        minilm: { intent: minilmVote.intent, confidence: capForInjection(minilmVote.confidence, risk) },
      },
      signals: output.signals ?? [],
      ensembleMs,
      ensembleUsage: { llmCalls: usage.llmCalls, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
      baselineMs,
      baselineUsage: old ? { llmCalls: old.attempts, inputTokens: old.usage.inputTokens, outputTokens: old.usage.outputTokens } : { llmCalls: 3, inputTokens: 0, outputTokens: 0 },
      injectionRisk: risk,
      screenRisk: injection.risk,
    });
    const r = results.at(-1)!;
    process.stderr.write(`${r.verdicts.ensemble!.intent === t.intent ? 'ok  ' : 'MISS'} ${String(n + 1).padStart(3)}/${labelled.length} ${t.subset.padEnd(11)} ${t.intent.padEnd(15)} → ${output.intent.padEnd(15)} ${output.confidence.toFixed(3)}  old ${r.verdicts.old!.intent} ${r.verdicts.old!.confidence}  (${ensembleMs} + ${baselineMs} ms)\n`);
  }
  await Promise.all([embedder.close(), minilm.close()]);

  const summary = (key: string, rows: TicketResult[]) => {
    const correct = rows.filter((r) => r.verdicts[key]!.intent === r.intent).length;
    const cleared = rows.filter((r) => (r.verdicts[key]!.confidence ?? -1) >= THRESHOLD);
    return { n: rows.length, correct, accuracy: rows.length ? correct / rows.length : 0, cleared: cleared.length, clearedCorrect: cleared.filter((r) => r.verdicts[key]!.intent === r.intent).length };
  };
  console.log(`\ntriage eval: ${results.length} labelled tickets (${SETS[opts.set]}), model ${model.name}, examples ${index.size} (${config.TRIAGE_EXAMPLES_FILE.replace(ROOT + '/', '')}), ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`reliability: examples vote (held out, by leading share) ${bands(index.calibration)} (previous release: ${bands(previousIndex.calibration)}); model ${JSON.stringify(config.TRIAGE_MODEL_RELIABILITY)}\n`);
  console.log('accuracy by subset, and calibration at the autonomy threshold (confidence ≥ 0.95: how many cleared it, share of those correct)');
  const head = ['variant', 'ALL', ...SUBSETS.map((s) => `${s} (${results.filter((r) => r.subset === s).length})`), '≥0.95', 'correct ≥0.95'];
  const rows = [head];
  for (const v of VARIANTS) {
    const all = summary(v.key, results);
    const hasConfidence = results.some((r) => r.verdicts[v.key]!.confidence !== undefined);
    rows.push([v.label, pct(all.correct, all.n), ...SUBSETS.map((s) => pct(summary(v.key, results.filter((r) => r.subset === s)).correct, results.filter((r) => r.subset === s).length)),
      hasConfidence ? String(all.cleared) : 'n/a', hasConfidence ? `${all.clearedCorrect}/${all.cleared} ${pct(all.clearedCorrect, all.cleared)}` : 'n/a']);
  }
  console.log(table(rows));

  const byIntent = [['intent (recall)', ...VARIANTS.map((v) => v.key)]];
  for (const intent of intents) {
    const mine = results.filter((r) => r.intent === intent);
    byIntent.push([`${intent} (${mine.length})`, ...VARIANTS.map((v) => pct(summary(v.key, mine).correct, mine.length))]);
  }
  console.log(`\n${table(byIntent)}`);

  const languages = [...new Set(results.map((r) => r.language))];
  console.log(`\nensemble by language: ${languages.map((l) => { const s = summary('ensemble', results.filter((r) => r.language === l)); return `${l} ${s.correct}/${s.n}`; }).join(', ')}`);

  const cost = (sel: (r: TicketResult) => { llmCalls: number; inputTokens: number; outputTokens: number }, ms: (r: TicketResult) => number) => {
    const u = results.map(sel);
    const n = results.length || 1;
    return [(u.reduce((s, x) => s + x.llmCalls, 0) / n).toFixed(2), String(Math.round(u.reduce((s, x) => s + x.inputTokens, 0) / n)), String(Math.round(u.reduce((s, x) => s + x.outputTokens, 0) / n)), String(p50(results.map(ms)))];
  };
  console.log(`\n${table([
    ['path, per ticket', 'LLM calls', 'prompt tokens', 'output tokens', 'p50 ms'],
    ['ensemble (shipped)', ...cost((r) => r.ensembleUsage, (r) => r.ensembleMs)],
    ['old: model + English cues', ...cost((r) => r.baselineUsage, (r) => r.baselineMs)],
  ])}`);

  const wrongCleared = results.filter((r) => r.verdicts.ensemble!.intent !== r.intent && r.verdicts.ensemble!.confidence! >= THRESHOLD);
  const misses = results.filter((r) => r.verdicts.ensemble!.intent !== r.intent);
  console.log(`\nensemble misses (${misses.length}), * = cleared the threshold anyway:`);
  for (const r of misses) {
    console.log(`  ${wrongCleared.includes(r) ? '*' : ' '} [${r.subset}/${r.language}] ${r.intent} → ${r.verdicts.ensemble!.intent} ${r.verdicts.ensemble!.confidence}  ${r.signals.map((s) => `${s.source}=${s.intent}:${s.score}`).join(' ')}  «${r.text.replace(/\n+/g, ' / ').slice(0, 90)}»`);
  }
  const correctBelow = results.filter((r) => r.verdicts.ensemble!.intent === r.intent && r.verdicts.ensemble!.confidence! < THRESHOLD && r.injectionRisk === 'none');
  console.log(`\ncorrect but below the threshold without injection risk: ${correctBelow.length} of ${results.filter((r) => r.verdicts.ensemble!.intent === r.intent).length} correct`);

  // The model's injection flag only ever raises the risk; where it did, was it a catch or a false alarm?
  const raised = results.filter((r) => r.injectionRisk !== r.screenRisk);
  const raisedOnInjections = raised.filter((r) => r.subset === 'injection').length;
  console.log(`model's injection flag raised the risk over the deterministic screen on ${raised.length} tickets: ${raisedOnInjections} injection(s) the screen missed, ${raised.length - raisedOnInjections} false alarm(s) (each caps confidence at 0.9: escalated); the screen flagged ${results.filter((r) => r.subset === 'injection' && r.screenRisk !== 'none').length} of ${results.filter((r) => r.subset === 'injection').length} injections`);

  const targets = { accuracy: summary('ensemble', results).accuracy, nonEnglish: summary('ensemble', results.filter((r) => r.subset === 'non_english')).accuracy, paraphrase: summary('ensemble', results.filter((r) => r.subset === 'paraphrase')).accuracy };
  const cal = summary('ensemble', results);
  console.log(`\nissue targets: accuracy ≥ 95% → ${pct(cal.correct, cal.n)} ${targets.accuracy >= 0.95 ? 'OK' : 'MISS'}; non-English ≥ 90% → ${(100 * targets.nonEnglish).toFixed(1)}% ${targets.nonEnglish >= 0.9 ? 'OK' : 'MISS'}; paraphrase ≥ 90% → ${(100 * targets.paraphrase).toFixed(1)}% ${targets.paraphrase >= 0.9 ? 'OK' : 'MISS'}; correct among ≥ 0.95 ≥ 99% → ${pct(cal.clearedCorrect, cal.cleared)} of ${cal.cleared} ${cal.cleared === 0 || cal.clearedCorrect / cal.cleared >= 0.99 ? 'OK' : 'MISS'}`);

  const outFile = opts.out ?? join(ROOT, 'test', 'triage', 'reports', `${opts.model}${opts.set === 'labelled' ? '' : `-${opts.set}`}.json`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ model: model.name, threshold: THRESHOLD, tickets: results.length, results }, null, 2));
  console.log(`\nreport: ${outFile}`);
  return 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
