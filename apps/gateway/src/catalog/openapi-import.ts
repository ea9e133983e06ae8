import type { ToolDefinitionInput } from './catalog.schema';

/**
 * Turns OpenAPI 3 operations into catalogue tools: GET/HEAD → read, other methods → write. Path and query parameters
 * and the JSON request body's properties become one flat argument object (the gateway splits them again when it
 * calls the backend). Local `$ref`s are inlined. Extensions on an operation refine the result:
 * `x-switchboard-name`, `x-switchboard-risk`, `x-switchboard-amount-field`, `x-switchboard-approval`
 * (`always` | `never` | `{ above: N }`), `x-switchboard-read-back`, `x-switchboard-rate-limit`,
 * `x-switchboard-effect-key`, `x-switchboard-tenant-argument`, `x-switchboard-ignore: true`. The result still goes
 * through the catalogue's validation (tenant argument, effect key, readBack…). OpenAPI 3.0 schemas are translated to
 * JSON Schema 2020-12 (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`); 3.1 schemas already are JSON Schema.
 *
 * @example
 * const { tools, skipped } = importOpenApi(YAML.parse(text), { backend: 'acme' });
 */
export function importOpenApi(
  doc: unknown,
  options: { backend: string; include?: string[] },
): { tools: ToolDefinitionInput[]; skipped: Array<{ operation: string; reason: string }> } {
  const root = doc as { openapi?: unknown; paths?: Record<string, Record<string, unknown>> };
  if (typeof root?.openapi !== 'string' || !root.openapi.startsWith('3.')) throw new OpenApiImportError('not an OpenAPI 3.x document (missing "openapi: 3.x")');
  const tools: ToolDefinitionInput[] = [];
  const skipped: Array<{ operation: string; reason: string }> = [];
  const v30 = root.openapi.startsWith('3.0');
  for (const [path, item] of Object.entries(root.paths ?? {})) {
    const shared = (item.parameters ?? []) as unknown[];
    for (const method of ['get', 'head', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const label = `${method.toUpperCase()} ${path}`;
      if (op['x-switchboard-ignore'] === true) { skipped.push({ operation: label, reason: 'x-switchboard-ignore' }); continue; }
      const customName = op['x-switchboard-name'] as string | undefined;
      if (!op.operationId && !customName) { skipped.push({ operation: label, reason: 'no operationId' }); continue; }
      const name = customName ?? snakeCase(op.operationId!);
      if (options.include && !options.include.includes(name) && !options.include.includes(op.operationId ?? '')) continue;
      if (method === 'head') { skipped.push({ operation: label, reason: 'HEAD has no body to return' }); continue; }
      try {
        tools.push(toTool(doc, path, method, op, shared, name, options.backend, v30));
      } catch (error) {
        skipped.push({ operation: label, reason: (error as Error).message });
      }
    }
  }
  return { tools, skipped };
}

export class OpenApiImportError extends Error {}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

function toTool(doc: unknown, path: string, method: string, op: Operation, shared: unknown[], name: string, backend: string, v30: boolean): ToolDefinitionInput {
  const schemaOf = (node: unknown): unknown => (v30 ? fromOpenApi30(inline(doc, node)) : inline(doc, node));
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const raw of [...shared, ...(op.parameters ?? [])]) {
    const p = resolve(doc, raw) as { name: string; in: string; required?: boolean; schema?: unknown; description?: string };
    if (p.in !== 'path' && p.in !== 'query') continue; // headers and cookies are the gateway's business, not the agent's
    properties[p.name] = { ...(schemaOf(p.schema ?? {}) as object), ...(p.description ? { description: p.description } : {}) };
    if (p.required || p.in === 'path') required.push(p.name);
  }
  if (op.requestBody) {
    const body = resolve(doc, op.requestBody) as { content?: Record<string, { schema?: unknown }>; required?: boolean };
    const schema = schemaOf(body.content?.['application/json']?.schema) as { type?: string; properties?: Record<string, unknown>; required?: string[] } | undefined;
    if (!schema || (schema.type !== undefined && schema.type !== 'object') || !schema.properties) throw new OpenApiImportError('request body must be a JSON object schema');
    for (const [prop, propSchema] of Object.entries(schema.properties)) {
      if (prop in properties) throw new OpenApiImportError(`body property "${prop}" clashes with a parameter`);
      properties[prop] = propSchema;
    }
    required.push(...(schema.required ?? []));
  }
  const success = Object.entries(op.responses ?? {}).find(([code]) => /^2\d\d$/.test(code))?.[1];
  const output = success ? (schemaOf((resolve(doc, success) as { content?: Record<string, { schema?: unknown }> }).content?.['application/json']?.schema) ?? {}) : {};
  const scope = method === 'get' ? 'read' : 'write';
  const tool: ToolDefinitionInput = {
    name,
    description: (op.description ?? op.summary ?? `${method.toUpperCase()} ${path}`).trim(),
    backend,
    scope,
    risk: (op['x-switchboard-risk'] as ToolDefinitionInput['risk']) ?? (scope === 'read' ? 'low' : 'medium'),
    http: { method: method.toUpperCase() as ToolDefinitionInput['http']['method'], path },
    input: { type: 'object', properties, required: [...new Set(required)], additionalProperties: false },
    output: output as Record<string, unknown>,
  };
  if (op['x-switchboard-amount-field'] !== undefined) tool.amountField = op['x-switchboard-amount-field'] as string;
  if (op['x-switchboard-approval'] !== undefined) tool.approval = op['x-switchboard-approval'] as ToolDefinitionInput['approval'];
  if (op['x-switchboard-read-back'] !== undefined) tool.readBack = op['x-switchboard-read-back'] as ToolDefinitionInput['readBack'];
  if (op['x-switchboard-rate-limit'] !== undefined) tool.rateLimit = op['x-switchboard-rate-limit'] as ToolDefinitionInput['rateLimit'];
  if (op['x-switchboard-effect-key'] !== undefined) tool.effectKey = op['x-switchboard-effect-key'] as string[];
  if (op['x-switchboard-tenant-argument'] !== undefined) tool.tenantArgument = op['x-switchboard-tenant-argument'] as string;
  return tool;
}

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

/**
 * OpenAPI 3.0's schema dialect → JSON Schema 2020-12: `nullable: true` widens `type` (and `enum`) with null, or wraps
 * a typeless schema in `anyOf [schema, null]`; boolean `exclusiveMinimum`/`exclusiveMaximum` turn `minimum`/`maximum`
 * exclusive. A numeric `exclusiveMinimum` (3.1 style in a 3.0 document) is kept: its meaning is unambiguous.
 */
export function fromOpenApi30(schema: unknown): unknown {
  if (Array.isArray(schema) || schema === null || typeof schema !== 'object') return schema;
  const s: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  for (const key of SCHEMA_MAPS) {
    if (s[key] && typeof s[key] === 'object') s[key] = Object.fromEntries(Object.entries(s[key] as Record<string, unknown>).map(([k, v]) => [k, fromOpenApi30(v)]));
  }
  for (const key of SCHEMA_VALUES) if (s[key] !== undefined) s[key] = Array.isArray(s[key]) ? (s[key] as unknown[]).map(fromOpenApi30) : fromOpenApi30(s[key]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(s[key])) s[key] = (s[key] as unknown[]).map(fromOpenApi30);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof s[flag] !== 'boolean') continue;
    if (s[flag] === true && typeof s[bound] === 'number') {
      s[flag] = s[bound];
      delete s[bound];
    } else {
      delete s[flag];
    }
  }
  const nullable = s.nullable;
  delete s.nullable;
  if (nullable !== true) return s;
  if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...(s.enum as unknown[]), null];
  if (typeof s.type === 'string') s.type = [s.type, 'null'];
  else if (Array.isArray(s.type)) s.type = s.type.includes('null') ? s.type : [...(s.type as unknown[]), 'null'];
  else if (!Array.isArray(s.enum)) return { anyOf: [s, { type: 'null' }] };
  return s;
}

function resolve(doc: unknown, node: unknown): unknown {
  let current = node;
  for (let hops = 0; hops < 20; hops++) {
    const ref = (current as { $ref?: unknown } | null)?.$ref;
    if (typeof ref !== 'string') return current;
    if (!ref.startsWith('#/')) throw new OpenApiImportError(`only local $refs are supported, got "${ref}"`);
    current = ref.slice(2).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, key) => (acc as Record<string, unknown> | undefined)?.[key], doc);
    if (current === undefined) throw new OpenApiImportError(`$ref "${ref}" does not resolve`);
  }
  throw new OpenApiImportError('$ref chain too long');
}

/** Inlines every local $ref in a schema; recursive schemas are refused (the validator has no $ref support). */
function inline(doc: unknown, schema: unknown, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(doc, s, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new OpenApiImportError(`recursive schema "${ref}" is not supported`);
    return inline(doc, resolve(doc, schema), [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(doc, v, seen)]));
}

function snakeCase(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
}
