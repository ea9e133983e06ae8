// `npm run eval:claims [-- --verbose] [--set <file.json>]`
// Precision and recall of unsupported-claim detection (positive = the reply has an unsupported claim), overall and per
// subset, for the claim checker (reviewReply) and, as the same-run baseline, the old DEFAULT_CLAIM_RULES checker
// (unsupportedClaims). Runs the labelled set (labelled-replies.json, the acceptance set) and then the held-out set
// (holdout-replies.json, written after the checker's first tuning); --set runs one file only. Exit code 1 when the
// checker misses recall ≥ 0.99 or precision ≥ 0.9 on the labelled set (or on the --set file).
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Action } from '@switchboard/contracts';
import { reviewReply, unsupportedClaims } from '@switchboard/claims';
import { table } from '../support/text-table';

const Facts = z.object({
  verifiedActions: z.array(z.object({ tool: z.string().min(1), arguments: z.record(z.string(), z.unknown()) })),
  passedChecks: z.array(z.object({ id: z.string().min(1), tool: z.string().min(1), topics: z.array(z.string()), observed: z.record(z.string(), z.unknown()).optional() })),
  knownIdentifiers: z.array(z.string()),
});
const Item = z.object({
  id: z.string().min(1),
  subset: z.enum(['true_claim', 'false_claim', 'paraphrase', 'non_english', 'howto_answer', 'leak', 'mixed']),
  language: z.string().min(2),
  decision: z.enum(['resolved', 'no_action']),
  reply: z.string().min(1),
  facts: Facts,
  expected: z.object({ supported: z.boolean() }),
  note: z.string().optional(),
});
const LabelledSet = z.object({ about: z.string(), items: z.array(Item).min(1) });
type LabelledItem = z.infer<typeof Item>;

const RECALL_TARGET = 0.99;
const PRECISION_TARGET = 0.9;

function args(argv: string[]): { verbose: boolean; sets: string[] } {
  const i = argv.indexOf('--set');
  const sets = i >= 0 && argv[i + 1] ? [resolve(argv[i + 1]!)] : [join(__dirname, 'labelled-replies.json'), join(__dirname, 'holdout-replies.json')];
  return { verbose: argv.includes('--verbose'), sets };
}

function load(path: string): LabelledItem[] {
  const parsed = LabelledSet.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a valid labelled set:\n${z.prettifyError(parsed.error)}`);
  const ids = new Set<string>();
  for (const item of parsed.data.items) {
    if (ids.has(item.id)) throw new Error(`${path}: duplicate id ${item.id}`);
    ids.add(item.id);
  }
  return parsed.data.items;
}

/** The old checker: every verified action becomes an executed Action whose read-back passed. */
function baseline(item: LabelledItem): string[] {
  const actions: Action[] = item.facts.verifiedActions.map((a, i) => ({ toolCallId: `v${i}`, tool: a.tool, arguments: a.arguments, executed: true }));
  return unsupportedClaims(item.reply, actions, new Set(actions.map((a) => a.toolCallId)));
}

function checker(item: LabelledItem): string[] {
  return reviewReply(item.reply, item.facts, { decision: item.decision }).unsupported;
}

interface Counts { tp: number; fp: number; fn: number; tn: number }
const ratio = (a: number, b: number): string => (b === 0 ? '   -' : (a / b).toFixed(3));
const metrics = (c: Counts) => ({ precision: c.tp / (c.tp + c.fp || 1), recall: c.tp / (c.tp + c.fn || 1) });

function count(items: LabelledItem[], predicted: Map<string, string[]>): Counts {
  const c: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const item of items) {
    const positive = !item.expected.supported;
    const flagged = predicted.get(item.id)!.length > 0;
    if (positive && flagged) c.tp++;
    else if (positive) c.fn++;
    else if (flagged) c.fp++;
    else c.tn++;
  }
  return c;
}


/** Prints the figures of one set; true when the checker meets the targets on it. */
function evaluate(path: string, verbose: boolean): boolean {
  const items = load(path);
  const started = performance.now();
  const ours = new Map(items.map((i) => [i.id, checker(i)]));
  const perReplyMs = (performance.now() - started) / items.length;
  const old = new Map(items.map((i) => [i.id, baseline(i)]));

  const groups: Array<[string, LabelledItem[]]> = [['all', items]];
  for (const subset of [...new Set(items.map((i) => i.subset))]) groups.push([subset, items.filter((i) => i.subset === subset)]);
  const rows = [['subset', 'replies', 'positive', 'precision', 'recall', 'TP', 'FP', 'FN', 'TN', 'old precision', 'old recall', 'old TP', 'old FP', 'old FN', 'old TN']];
  for (const [name, group] of groups) {
    const c = count(group, ours);
    const b = count(group, old);
    rows.push([name, String(group.length), String(group.filter((i) => !i.expected.supported).length),
      ratio(c.tp, c.tp + c.fp), ratio(c.tp, c.tp + c.fn), String(c.tp), String(c.fp), String(c.fn), String(c.tn),
      ratio(b.tp, b.tp + b.fp), ratio(b.tp, b.tp + b.fn), String(b.tp), String(b.fp), String(b.fn), String(b.tn)]);
  }
  console.log(`Unsupported-claim detection on ${relative(process.cwd(), path)} (${items.length} replies; positive = the reply has an unsupported claim)`);
  console.log('checker: apps/verifier/src/claims reviewReply; old: DEFAULT_CLAIM_RULES unsupportedClaims (same run)\n');
  console.log(table(rows));

  const all = metrics(count(items, ours));
  const falseClaims = items.filter((i) => i.subset === 'false_claim');
  const falseRecall = metrics(count(falseClaims, ours)).recall;
  console.log(`\nchecker: ${perReplyMs.toFixed(3)} ms per reply`);
  console.log(`targets: recall on false claims ≥ ${RECALL_TARGET} → ${falseRecall.toFixed(3)}; overall recall ≥ ${RECALL_TARGET} → ${all.recall.toFixed(3)}; precision ≥ ${PRECISION_TARGET} → ${all.precision.toFixed(3)}`);

  const wrong = items.filter((i) => (ours.get(i.id)!.length > 0) === i.expected.supported);
  if (wrong.length > 0) {
    console.log(`\n${wrong.length} misjudged:`);
    for (const i of wrong) {
      console.log(`  ${i.id} [${i.expected.supported ? 'false alarm' : 'missed'}] ${JSON.stringify(i.reply).slice(0, 110)}`);
      if (verbose) for (const p of ours.get(i.id)!) console.log(`      ${p}`);
    }
  }
  return falseRecall >= RECALL_TARGET && all.recall >= RECALL_TARGET && all.precision >= PRECISION_TARGET;
}

function main(): void {
  const opts = args(process.argv.slice(2));
  const results = opts.sets.map((set, i) => {
    if (i > 0) console.log(`\n${'='.repeat(100)}\n`);
    return evaluate(set, opts.verbose);
  });
  process.exitCode = results[0] ? 0 : 1;
}

main();
