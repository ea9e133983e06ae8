import type * as CelModule from '@marcbachmann/cel-js' with { 'resolution-mode': 'import' };

// cel-js ships as an ES module only; Node ≥ 20.19 loads it with require(), which keeps evaluation synchronous.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@marcbachmann/cel-js') as typeof CelModule;

const environment = new cel.Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, limits: { maxAstNodes: 2_000, maxDepth: 40 } });

/** An expression or template that does not parse, or an evaluation that fails (missing key, wrong type). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExpressionError';
  }
}

/** A parsed CEL expression, evaluated many times. */
export interface CompiledExpression {
  readonly source: string;
  /** Root variables and the first member read on each (`steps.cache.status` → `['steps', 'cache']`). */
  readonly references: ReadonlyArray<readonly [string, string | undefined]>;
  evaluate(context: Record<string, unknown>): unknown;
}

const compiled = new Map<string, CompiledExpression>();

/**
 * Parses a CEL expression once (cached). Whole numbers in the context are CEL `int`s and others `double`s; results
 * come back as plain JSON values (bigint → number).
 *
 * @example
 * compileExpression('steps.cache.status == "stale"').evaluate({ steps: { cache: { status: 'stale' } } }); // true
 */
export function compileExpression(source: string): CompiledExpression {
  const hit = compiled.get(source);
  if (hit) return hit;
  let parsed: ReturnType<typeof environment.parse>;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    throw new ExpressionError(`does not parse: ${firstLine(error)}`, source, { cause: error });
  }
  const expression: CompiledExpression = {
    source,
    references: referencesOf(parsed.ast),
    evaluate(context) {
      try {
        return fromCel(parsed(toCel(context) as Record<string, unknown>));
      } catch (error) {
        throw new ExpressionError(`${source}: ${firstLine(error)}`, source, { cause: error });
      }
    },
  };
  if (compiled.size > 5_000) compiled.clear();
  compiled.set(source, expression);
  return expression;
}

/** A `${…}` placeholder found in a template. */
interface Placeholder {
  start: number;
  end: number;
  expression: CompiledExpression;
}

/**
 * Text with `${cel}` placeholders. Parsing finds and compiles every placeholder (so a broken template fails at load);
 * rendering formats values as text (lists joined with ", ").
 *
 * @example
 * compileTemplate('Your trial now ends on ${steps.extend.endsOn}.').render({ steps: { extend: { endsOn: '2026-12-20' } } });
 */
export function compileTemplate(template: string): {
  placeholders: readonly CompiledExpression[];
  render(context: Record<string, unknown>): string;
  /** Renders what it can; a placeholder that cannot be evaluated yet (e.g. a write's result in a draft) shows as `[…]`. */
  draft(context: Record<string, unknown>): string;
} {
  const placeholders: Placeholder[] = [];
  let i = 0;
  while ((i = template.indexOf('${', i)) !== -1) {
    let depth = 1;
    let j = i + 2;
    let quote: string | undefined;
    for (; j < template.length && depth > 0; j++) {
      const ch = template[j]!;
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    if (depth > 0) throw new ExpressionError(`unclosed placeholder at position ${i}`, template);
    placeholders.push({ start: i, end: j, expression: compileExpression(template.slice(i + 2, j - 1).trim()) });
    i = j;
  }
  const render = (context: Record<string, unknown>, tolerant: boolean): string => {
    let out = '';
    let at = 0;
    for (const p of placeholders) {
      let text: string;
      try {
        text = asText(p.expression.evaluate(context));
      } catch (error) {
        if (!tolerant) throw error;
        text = `[${p.expression.source}]`;
      }
      out += template.slice(at, p.start) + text;
      at = p.end;
    }
    return out + template.slice(at);
  };
  return {
    placeholders: placeholders.map((p) => p.expression),
    render: (context) => render(context, false),
    draft: (context) => render(context, true),
  };
}

/**
 * Evaluates a condition; anything but `true` is false.
 *
 * @example
 * isTrue(compileExpression('size(entities.emails) == 1'), { entities: { emails: ['a@b.example'] } }); // true
 */
export function isTrue(expression: CompiledExpression, context: Record<string, unknown>): boolean {
  return expression.evaluate(context) === true;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(asText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * JSON → CEL values: whole numbers become ints so `version + 1` works; objects become maps. Arrays and objects are
 * rebuilt from literals: a value parsed in another realm (fetch's JSON under Jest's VM) would not be recognised.
 */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(toCel(v));
    return out;
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const ctor = (value as object).constructor;
    if (ctor !== Object && ctor !== undefined && typeof (value as { toString?: unknown }).toString === 'function' && !('length' in value)) {
      // CEL timestamps, durations and other wrapped values render as their CEL text form.
      const text = String(value);
      if (text !== '[object Object]') return text;
    }
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}

interface AstNode {
  op: string;
  args: unknown;
}

function referencesOf(ast: unknown): Array<[string, string | undefined]> {
  const refs: Array<[string, string | undefined]> = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as AstNode;
    if (n.op === 'id' && typeof n.args === 'string') refs.push([n.args, undefined]);
    else if ((n.op === '.' || n.op === '.?') && Array.isArray(n.args)) {
      const [target, field] = n.args as [AstNode, unknown];
      if (target?.op === 'id' && typeof target.args === 'string' && typeof field === 'string') {
        refs.push([target.args, field]);
        return;
      }
    }
    if (Array.isArray(n.args)) n.args.forEach(walk);
    else if (n.args && typeof n.args === 'object') walk(n.args);
  };
  walk(ast);
  return refs;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
