import { z } from 'zod';

/**
 * Converts the JSON Schema subset the catalogue uses into zod, so tool arguments and backend responses are checked
 * by the same engine as everything else (and give `path: message` issues an agent can act on).
 *
 * Supported: type (single or list, incl. "null"), properties, required, additionalProperties (boolean or schema),
 * items, enum, const, minimum/maximum/exclusiveMinimum/exclusiveMaximum, minLength/maxLength/pattern,
 * format (date, date-time, email, uuid, uri), minItems/maxItems, anyOf/oneOf, nullable (OpenAPI 3.0).
 * Annotations (title, description, example(s), default, deprecated, readOnly, writeOnly) are ignored.
 * Anything else ($ref, allOf, not, if/then, patternProperties…) is refused at load time rather than silently
 * weakening validation; the OpenAPI importer inlines local $refs first.
 */
export class JsonSchemaError extends Error {}

const ANNOTATIONS = new Set(['title', 'description', 'example', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$schema', 'x-switchboard-sensitive']);
const KNOWN = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'anyOf', 'oneOf', 'nullable',
]);
type JsonSchema = Record<string, unknown>;

export function jsonSchemaToZod(schema: unknown, path = '#'): z.ZodType {
  if (schema === true || (typeof schema === 'object' && schema !== null && Object.keys(schema).every((k) => ANNOTATIONS.has(k)))) return z.unknown();
  if (schema === false) return z.never();
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new JsonSchemaError(`${path}: schema must be an object`);
  const s = schema as JsonSchema;
  for (const key of Object.keys(s)) {
    if (!KNOWN.has(key) && !ANNOTATIONS.has(key)) throw new JsonSchemaError(`${path}: unsupported JSON Schema keyword "${key}"`);
  }
  let out = convert(s, path);
  if (s.nullable === true) out = out.nullable();
  return out;
}

function convert(s: JsonSchema, path: string): z.ZodType {
  if (s.const !== undefined) return z.literal(s.const as string | number | boolean);
  if (Array.isArray(s.enum)) {
    const values = s.enum as Array<string | number | boolean | null>;
    if (values.length === 0) throw new JsonSchemaError(`${path}: enum must not be empty`);
    if (values.every((v) => typeof v === 'string')) return z.enum(values as [string, ...string[]]);
    return z.union(values.map((v) => z.literal(v)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alternatives !== undefined) {
    if (!Array.isArray(alternatives) || alternatives.length === 0) throw new JsonSchemaError(`${path}: anyOf/oneOf must be a non-empty array`);
    const members = alternatives.map((a, i) => jsonSchemaToZod(a, `${path}/anyOf/${i}`));
    return members.length === 1 ? members[0]! : z.union(members as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  if (Array.isArray(s.type)) {
    const members = (s.type as unknown[]).map((t) => convert({ ...s, type: t }, path));
    return members.length === 1 ? members[0]! : z.union(members as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  switch (s.type) {
    case 'string': return stringSchema(s, path);
    case 'number': return numberSchema(z.number(), s);
    case 'integer': return numberSchema(z.number().int(), s);
    case 'boolean': return z.boolean();
    case 'null': return z.null();
    case 'array': {
      let arr = z.array(s.items === undefined ? z.unknown() : jsonSchemaToZod(s.items, `${path}/items`));
      if (typeof s.minItems === 'number') arr = arr.min(s.minItems);
      if (typeof s.maxItems === 'number') arr = arr.max(s.maxItems);
      return arr;
    }
    case 'object': return objectSchema(s, path);
    case undefined:
      if (s.properties !== undefined) return objectSchema(s, path);
      return z.unknown();
    default: throw new JsonSchemaError(`${path}: unsupported type "${String(s.type)}"`);
  }
}

function stringSchema(s: JsonSchema, path: string): z.ZodType {
  let str = z.string();
  if (typeof s.minLength === 'number') str = str.min(s.minLength);
  if (typeof s.maxLength === 'number') str = str.max(s.maxLength);
  if (typeof s.pattern === 'string') {
    try {
      str = str.regex(new RegExp(s.pattern), `must match ${s.pattern}`);
    } catch (error) {
      throw new JsonSchemaError(`${path}: invalid pattern: ${(error as Error).message}`);
    }
  }
  switch (s.format) {
    case undefined: return str;
    case 'date': return str.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');
    case 'date-time': return str.refine((v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v), 'must be an ISO 8601 date-time');
    case 'email': return str.regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u, 'must be an email address');
    case 'uuid': return str.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
    case 'uri': return str.refine((v) => URL.canParse(v), 'must be a URI');
    default: throw new JsonSchemaError(`${path}: unsupported string format "${String(s.format)}"`);
  }
}

function numberSchema(num: z.ZodNumber, s: JsonSchema): z.ZodType {
  if (typeof s.minimum === 'number') num = num.min(s.minimum);
  if (typeof s.maximum === 'number') num = num.max(s.maximum);
  if (typeof s.exclusiveMinimum === 'number') num = num.gt(s.exclusiveMinimum);
  if (typeof s.exclusiveMaximum === 'number') num = num.lt(s.exclusiveMaximum);
  return num;
}

function objectSchema(s: JsonSchema, path: string): z.ZodType {
  const props = (s.properties ?? {}) as Record<string, unknown>;
  if (typeof props !== 'object' || Array.isArray(props)) throw new JsonSchemaError(`${path}: properties must be an object`);
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  for (const name of required) if (!(name in props)) throw new JsonSchemaError(`${path}: required property "${name}" is not declared in properties`);
  const shape: Record<string, z.ZodType> = {};
  for (const [name, prop] of Object.entries(props)) {
    const field = jsonSchemaToZod(prop, `${path}/properties/${name}`);
    shape[name] = required.has(name) ? field : field.optional();
  }
  if (s.additionalProperties === false) return z.strictObject(shape);
  if (s.additionalProperties === undefined || s.additionalProperties === true) return z.looseObject(shape);
  return z.object(shape).catchall(jsonSchemaToZod(s.additionalProperties, `${path}/additionalProperties`));
}

/** zod issues as `{ path, message }` for a structured tool error. */
export function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
