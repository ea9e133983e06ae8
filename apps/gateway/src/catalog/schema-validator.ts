import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { z } from 'zod';

/** One problem with a value, in the shape agents self-correct on: a dotted path and what to fix. */
export interface Issue {
  path: string;
  message: string;
}

export type Validation = { ok: true } | { ok: false; issues: Issue[] };

/** A compiled JSON Schema (tool input or backend output). */
export interface CompiledSchema {
  validate(value: unknown): Validation;
}

/** A schema ajv cannot compile in strict mode (unknown keyword or format, malformed keyword value). */
export class JsonSchemaError extends Error {}

// OpenAPI annotations that JSON Schema 2020-12 does not define; they carry no validation.
const ANNOTATIONS = ['example', 'discriminator', 'xml', 'externalDocs'];
const MAX_ISSUES = 20;

/**
 * Compiles catalogue JSON Schemas (2020-12, plus OpenAPI's `nullable`, which ajv implements) with ajv in strict mode:
 * an unknown keyword, an unknown `format` or a malformed keyword value (e.g. OpenAPI 3.0's boolean
 * `exclusiveMinimum`, which the OpenAPI importer translates) fails at start-up instead of silently not being enforced.
 * `x-*` extension keys are accepted as annotations. One compiler per catalogue (ajv caches compiled code).
 *
 * @example
 * const compile = createSchemaCompiler();
 * const input = compile(tool.input, 'tool issue_refund/input');
 * const v = input.validate(args); // { ok: false, issues: [{ path: 'amount', message: 'must be > 0' }] }
 */
export function createSchemaCompiler(): (schema: unknown, where: string) => CompiledSchema {
  const ajv = new Ajv2020({
    allErrors: true, // every problem at once, so an agent fixes its call in one go
    strict: true,
    strictTypes: false, // `properties` beside a top-level anyOf without `type: object` is legitimate
    strictRequired: false, // `anyOf: [{required: [a]}, {required: [b]}]` names properties declared one level up
    allowUnionTypes: true,
    logger: false,
  });
  addFormats(ajv);
  ajv.addVocabulary(ANNOTATIONS);
  return (schema, where) => {
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      throw new JsonSchemaError(`${where}: a JSON Schema must be an object or a boolean`);
    }
    for (const key of extensionKeys(schema)) if (!ajv.getKeyword(key)) ajv.addKeyword(key);
    const unsatisfiable = unsatisfiableRequired(schema, '#');
    if (unsatisfiable) throw new JsonSchemaError(`${where}: ${unsatisfiable}`);
    try {
      const check = ajv.compile(schema as object | boolean);
      return {
        validate(value) {
          if (check(value)) return { ok: true };
          return { ok: false, issues: ajvIssues(check.errors ?? []) };
        },
      };
    } catch (error) {
      throw new JsonSchemaError(`${where}: ${(error as Error).message.replace(' ignored in schema', ' in schema')}`);
    }
  };
}

/** ajv errors as `{ path, message }`: the path names the offending argument (a missing or extra one included). */
export function ajvIssues(errors: ErrorObject[]): Issue[] {
  const issues = errors.slice(0, MAX_ISSUES).map((e): Issue => {
    const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const params = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
    if (e.keyword === 'required' && params.missingProperty !== undefined) return { path: [...segments, params.missingProperty].join('.'), message: 'is required' };
    if (e.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
      return { path: [...segments, params.additionalProperty].join('.'), message: 'is not an accepted property here' };
    }
    const allowed = e.keyword === 'enum' && params.allowedValues ? `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
    return { path: segments.join('.') || '(root)', message: `${e.message ?? 'is invalid'}${allowed}` };
  });
  if (errors.length > MAX_ISSUES) issues.push({ path: '(root)', message: `${errors.length - MAX_ISSUES} more problems not listed` });
  return issues;
}

/** zod issues (invocation body, decision bodies) in the same `{ path, message }` shape. */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

function extensionKeys(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) extensionKeys(s, found);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k.startsWith('x-')) found.add(k);
      else extensionKeys(v, found);
    }
  }
  return found;
}

// With strictRequired off (see above), still refuse the one mistake that makes a schema unsatisfiable.
function unsatisfiableRequired(schema: unknown, at: string): string | undefined {
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) {
      const found = unsatisfiableRequired(s, `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (!schema || typeof schema !== 'object') return undefined;
  const s = schema as { required?: unknown; properties?: unknown; additionalProperties?: unknown };
  if (s.additionalProperties === false && Array.isArray(s.required)) {
    const declared = s.properties && typeof s.properties === 'object' ? Object.keys(s.properties) : [];
    const missing = (s.required as unknown[]).find((r) => typeof r === 'string' && !declared.includes(r));
    if (missing !== undefined) return `required property "${String(missing)}" is not declared in properties at ${at} (additionalProperties is false)`;
  }
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-') || k === 'enum' || k === 'const' || k === 'example' || k === 'examples' || k === 'default') continue;
    const found = unsatisfiableRequired(v, `${at}/${k}`);
    if (found) return found;
  }
  return undefined;
}
