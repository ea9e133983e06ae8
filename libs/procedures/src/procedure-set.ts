import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ProcedureSchema, SuccessCheckSchema, type Procedure, type SuccessCheck } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { compileExpression, compileTemplate, ExpressionError, type CompiledExpression } from './expression';

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * One file of the procedures directory: an intent, the tools its resolutions may use (the allow-list its task tokens
 * carry), what "solved" means for any resolution of it, and its procedures.
 */
export const IntentFileSchema = z.strictObject({
  version: z.literal(1),
  intent: z.string().regex(NAME, 'intent must be lowercase letters, digits, _ or -'),
  description: z.string().max(2000).optional(),
  /** Tools a resolver task of this intent may call (read and write). Omitted: the tools its procedures use. */
  tools: z.array(z.string().regex(NAME)).max(100).optional(),
  /** Success checks of every resolution of this intent (free loop included); they bind to `ticket` and `entities` only. */
  success: z.array(SuccessCheckSchema).max(20).default([]),
  procedures: z.array(z.unknown()).max(50).default([]),
});
export type IntentFile = z.infer<typeof IntentFileSchema>;

/** A problem found while loading procedures: where and what. */
export interface ProcedureProblem {
  path: string;
  message: string;
}

/**
 * The procedure set cannot be used: every problem is listed (a half-loaded set is never used).
 *
 * @example
 * try { loadProcedureSet(dir); } catch (e) { if (e instanceof ProcedureSetError) e.problems.forEach((p) => console.error(p.path, p.message)); }
 */
export class ProcedureSetError extends SwitchboardError {
  constructor(readonly problems: ProcedureProblem[]) {
    super('PROCEDURES.INVALID', 'user', `the procedure set is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Everything known about one intent. */
export interface IntentProcedures {
  intent: string;
  file: string;
  tools?: string[];
  success: SuccessCheck[];
  procedures: Procedure[];
}

/** The roots an expression may read, by where it stands. */
const ROOTS = {
  when: ['ticket', 'entities', 'slots', 'steps', 'passages'],
  with: ['ticket', 'entities', 'slots', 'steps', 'passages'],
  reply: ['ticket', 'entities', 'slots', 'steps', 'passages'],
  slot: ['ticket', 'entities', 'passages'],
  success: ['ticket', 'entities', 'slots', 'result'],
  intentSuccess: ['ticket', 'entities', 'result'],
} as const;

/**
 * The loaded, validated procedures, by intent. Tenant-specific procedures of an intent win over general ones.
 *
 * @example
 * const set = loadProcedureSet('procedures');
 * set.forCase('dashboard_cache', 'acme-eu'); // [Procedure]
 */
export class ProcedureSet {
  private readonly byIntent = new Map<string, IntentProcedures>();
  /** sha256 of the set's canonical content: names the loaded version in logs and the trace. */
  readonly digest: string;

  constructor(intents: IntentProcedures[]) {
    for (const i of intents) this.byIntent.set(i.intent, i);
    this.digest = createHash('sha256').update(JSON.stringify(intents.map((i) => [i.intent, i.tools ?? null, i.success, i.procedures]))).digest('hex').slice(0, 16);
  }

  static empty(): ProcedureSet {
    return new ProcedureSet([]);
  }

  intents(): string[] {
    return [...this.byIntent.keys()].sort();
  }

  intent(intent: string): IntentProcedures | undefined {
    return this.byIntent.get(intent);
  }

  all(): Procedure[] {
    return [...this.byIntent.values()].flatMap((i) => i.procedures);
  }

  /** Procedures that apply to a case: the tenant's own for this intent if it has any, else the general ones. */
  forCase(intent: string, tenantId: string): Procedure[] {
    const procedures = this.byIntent.get(intent)?.procedures ?? [];
    const own = procedures.filter((p) => p.tenants?.includes(tenantId));
    return own.length > 0 ? own : procedures.filter((p) => p.tenants === undefined);
  }

  find(id: string, version: number): Procedure | undefined {
    return this.all().find((p) => p.id === id && p.version === version);
  }

  /** Success checks of the intent (every resolution) followed by those of the procedure. */
  successChecks(intent: string, procedure?: Procedure): SuccessCheck[] {
    return [...(this.byIntent.get(intent)?.success ?? []), ...(procedure?.success ?? [])];
  }

  /**
   * The tools a resolver task of this intent may call: the intent's allow-list, or else the tools its procedures use;
   * `undefined` when the intent has neither (a free-loop intent: read tools only, see the supervisor).
   */
  allowedTools(intent: string): string[] | undefined {
    const i = this.byIntent.get(intent);
    if (!i) return undefined;
    if (i.tools) return [...i.tools];
    const used = new Set(i.procedures.flatMap(toolsOf));
    for (const check of i.success) used.add(check.read);
    return used.size > 0 ? [...used].sort() : undefined;
  }
}

/** Every tool a procedure reads or writes, its success checks included. */
export function toolsOf(p: Procedure): string[] {
  const tools = new Set<string>();
  for (const s of p.steps) {
    if ('read' in s) tools.add(s.read);
    if ('write' in s) tools.add(s.write);
  }
  for (const c of p.success) tools.add(c.read);
  return [...tools];
}

/** The write tools a procedure calls. */
export function writesOf(p: Procedure): string[] {
  return [...new Set(p.steps.flatMap((s) => ('write' in s ? [s.write] : [])))];
}

/**
 * Reads every `*.yaml`/`*.yml`/`*.json` file of a directory (one intent per file), validates each procedure (structure,
 * CEL expressions and templates, references to earlier steps and declared slots, writes only with success checks,
 * tenant bound to the ticket's tenant, tests naming only tools the procedure uses) and returns the set — or throws
 * {@link ProcedureSetError} with every problem. Catalogue checks (tools exist, arguments fit their schemas, writes have
 * a read-back) are {@link checkAgainstCatalogue}.
 *
 * @example
 * const set = loadProcedureSet(config.PROCEDURES_DIR);
 */
export function loadProcedureSet(dir: string): ProcedureSet {
  const problems: ProcedureProblem[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f))).sort().map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
  } catch (error) {
    throw new ProcedureSetError([{ path: dir, message: `cannot read the procedures directory: ${(error as Error).message}` }]);
  }
  const intents: IntentProcedures[] = [];
  const seenIntent = new Map<string, string>();
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let raw: unknown;
    try {
      raw = YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: 100 });
    } catch (error) {
      problems.push({ path: shown, message: `not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    const intent = (raw as { intent?: unknown } | null)?.intent;
    if (typeof intent === 'string') {
      const other = seenIntent.get(intent);
      if (other) problems.push({ path: shown, message: `intent ${intent} is also defined in ${other}; one file per intent` });
      seenIntent.set(intent, shown);
    }
    const loaded = parseIntentFile(raw, shown, problems);
    if (loaded) intents.push(loaded);
  }
  const seen = new Map<string, string>();
  for (const p of intents.flatMap((i) => i.procedures.map((proc) => [proc, i.file] as const))) {
    const key = `${p[0].id}@${p[0].version}`;
    if (seen.has(key)) problems.push({ path: p[1], message: `procedure ${key} is defined twice (also in ${seen.get(key)})` });
    seen.set(key, p[1]);
  }
  if (problems.length > 0) throw new ProcedureSetError(problems);
  return new ProcedureSet(intents);
}

/**
 * Validates one intent file's content (already parsed from YAML/JSON); problems are appended, not thrown.
 *
 * @example
 * const problems: ProcedureProblem[] = [];
 * parseIntentFile(YAML.parse(text), 'procedures/refund.yaml', problems);
 */
export function parseIntentFile(raw: unknown, file: string, problems: ProcedureProblem[]): IntentProcedures | undefined {
  const parsed = IntentFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: `${file} › ${issue.path.join('.') || '(root)'}`, message: issue.message });
    return undefined;
  }
  const f = parsed.data;
  const before = problems.length;
  f.success.forEach((c, i) => checkSuccess(c, `${file} › success.${i} (${c.id})`, ROOTS.intentSuccess, problems));
  const procedures: Procedure[] = [];
  f.procedures.forEach((rawProcedure, n) => {
    const withIntent = rawProcedure && typeof rawProcedure === 'object' && !Array.isArray(rawProcedure) ? { intent: f.intent, ...rawProcedure } : rawProcedure;
    const p = ProcedureSchema.safeParse(withIntent);
    const where = `${file} › procedures.${n}${p.success ? ` (${p.data.id})` : ''}`;
    if (!p.success) {
      for (const issue of p.error.issues) problems.push({ path: `${where} › ${issue.path.join('.') || '(root)'}`, message: issue.message });
      return;
    }
    if (p.data.intent !== f.intent) problems.push({ path: where, message: `intent ${p.data.intent} differs from the file's intent ${f.intent}` });
    validateProcedure(p.data, where, problems, f.tools);
    procedures.push(p.data);
  });
  if (problems.length > before) return undefined;
  return { intent: f.intent, file, ...(f.tools ? { tools: f.tools } : {}), success: f.success, procedures };
}

/**
 * Structural checks of one procedure (see {@link loadProcedureSet}); problems are appended.
 *
 * @example
 * const problems: ProcedureProblem[] = [];
 * validateProcedure(procedure, 'refund.yaml › procedures.0', problems);
 */
export function validateProcedure(p: Procedure, where: string, problems: ProcedureProblem[], allowList?: string[]): void {
  const problem = (path: string, message: string) => problems.push({ path: `${where}${path ? ` › ${path}` : ''}`, message });
  const slots = new Set(Object.keys(p.slots));
  const available = new Set<string>();
  const ids = new Set<string>();

  for (const [name, slot] of Object.entries(p.slots)) {
    if (slot.from) expression(slot.from, `slots.${name}.from`, ROOTS.slot);
    if (!slot.from && slot.default === undefined && !slot.ask) problem(`slots.${name}`, 'a slot needs `from`, a `default`, or `ask: true`');
    if (slot.format && slot.type !== 'string') problem(`slots.${name}.format`, 'format applies to string slots only');
  }

  p.steps.forEach((s, i) => {
    const at = `steps.${i} (${s.id})`;
    if (ids.has(s.id)) problem(at, `step id ${s.id} is used twice`);
    ids.add(s.id);
    if (s.when) expression(s.when, `${at}.when`, ROOTS.when);
    if ('escalate' in s) template(s.escalate, `${at}.escalate`, ROOTS.when);
    if ('read' in s || 'write' in s) {
      bindings(s.with, `${at}.with`, ROOTS.with);
      const tool = 'read' in s ? s.read : s.write;
      if (allowList && !allowList.includes(tool)) problem(at, `${tool} is not in the intent's tools allow-list (${allowList.join(', ')})`);
      available.add(s.id);
    }
  });
  const writes = p.steps.filter((s) => 'write' in s);
  if (p.decision === 'no_action' && writes.length > 0) problem('decision', 'a no_action procedure answers only: it may not write');
  if (p.decision === 'resolved' && p.success.length === 0) problem('success', 'a procedure that resolves needs at least one success check (no evidence, no resolution)');
  const checkIds = new Set<string>();
  p.success.forEach((c, i) => {
    if (checkIds.has(c.id)) problem(`success.${i}`, `check id ${c.id} is used twice`);
    checkIds.add(c.id);
    if (allowList && !allowList.includes(c.read)) problem(`success.${i}`, `${c.read} is not in the intent's tools allow-list`);
    checkSuccess(c, `${where} › success.${i} (${c.id})`, ROOTS.success, problems, slots);
  });
  template(p.reply, 'reply', ROOTS.reply);

  const used = new Set(toolsOf(p));
  p.tests.forEach((t, i) => {
    for (const tool of Object.keys(t.world)) if (!used.has(tool)) problem(`tests.${i} (${t.name}).world.${tool}`, `the procedure never calls ${tool}`);
    for (const name of Object.keys(t.slots)) if (!slots.has(name)) problem(`tests.${i} (${t.name}).slots.${name}`, `no slot named ${name}`);
  });

  function bindings(w: Record<string, string>, path: string, roots: readonly string[]): void {
    for (const [arg, source] of Object.entries(w)) {
      expression(source, `${path}.${arg}`, roots);
      if (arg === 'tenantId' && source.replace(/\s+/g, '') !== 'ticket.tenantId') problem(`${path}.tenantId`, 'tenantId must be bound to ticket.tenantId: a procedure acts on the ticket\'s own tenant only');
    }
  }

  function expression(source: string, path: string, roots: readonly string[]): CompiledExpression | undefined {
    try {
      const compiled = compileExpression(source);
      references(compiled, path, roots);
      return compiled;
    } catch (error) {
      problem(path, error instanceof ExpressionError ? error.message : String(error));
      return undefined;
    }
  }

  function template(text: string, path: string, roots: readonly string[]): void {
    try {
      for (const e of compileTemplate(text).placeholders) references(e, path, roots);
    } catch (error) {
      problem(path, error instanceof ExpressionError ? `template ${error.message}` : String(error));
    }
  }

  function references(e: CompiledExpression, path: string, roots: readonly string[]): void {
    for (const [root, field] of e.references) {
      if (root === 'steps') {
        if (!roots.includes('steps')) problem(path, `cannot read steps here (${e.source})`);
        else if (field !== undefined && !available.has(field)) problem(path, `reads steps.${field}, which is not an earlier read or write step`);
      } else if (root === 'slots') {
        if (!roots.includes('slots')) problem(path, `cannot read slots here (${e.source})`);
        else if (field !== undefined && !slots.has(field)) problem(path, `reads slots.${field}, which is not a declared slot`);
      } else if (['ticket', 'entities', 'passages', 'result'].includes(root) && !roots.includes(root)) {
        problem(path, `cannot read ${root} here (${e.source})`);
      }
    }
  }
}

function checkSuccess(c: SuccessCheck, where: string, roots: readonly string[], problems: ProcedureProblem[], slots?: Set<string>): void {
  const check = (source: string, path: string, isTemplate = false) => {
    try {
      const exprs = isTemplate ? compileTemplate(source).placeholders : [compileExpression(source)];
      for (const e of exprs) {
        for (const [root, field] of e.references) {
          if (['steps', 'passages'].includes(root) || (['ticket', 'entities', 'slots', 'result'].includes(root) && !roots.includes(root))) {
            problems.push({ path: `${where} › ${path}`, message: `a success check cannot read ${root} (it runs in the verifier, on its own reads)` });
          } else if (root === 'slots' && field !== undefined && slots && !slots.has(field)) {
            problems.push({ path: `${where} › ${path}`, message: `reads slots.${field}, which is not a declared slot` });
          }
        }
      }
    } catch (error) {
      problems.push({ path: `${where} › ${path}`, message: error instanceof ExpressionError ? error.message : String(error) });
    }
  };
  for (const [arg, source] of Object.entries(c.with)) {
    check(source, `with.${arg}`);
    if (arg === 'tenantId' && source.replace(/\s+/g, '') !== 'ticket.tenantId') problems.push({ path: `${where} › with.tenantId`, message: 'tenantId must be bound to ticket.tenantId' });
  }
  check(c.expect, 'expect');
  check(c.says, 'says', true);
}
