import type { ToolDefinitionInput } from './catalog.schema';

/**
 * Turns OpenAPI 3 operations into catalogue tools: GET/HEAD → read, other methods → write. Path and query parameters
 * and the JSON request body's properties become one flat argument object (the gateway splits them again when it
 * calls the backend). Local `$ref`s are inlined. Extensions on an operation refine the result:
 * `x-switchboard-name`, `x-switchboard-risk`, `x-switchboard-amount-field`, `x-switchboard-approval`
 * (`always` | `never` | `{ above: N }`), `x-switchboard-read-back`, `x-switchboard-rate-limit`,
 * `x-switchboard-ignore: true`. The result still goes through the catalogue's validation (tenantId, readBack…).
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
        tools.push(toTool(doc, path, method, op, shared, name, options.backend));
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

function toTool(doc: unknown, path: string, method: string, op: Operation, shared: unknown[], name: string, backend: string): ToolDefinitionInput {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const raw of [...shared, ...(op.parameters ?? [])]) {
    const p = resolve(doc, raw) as { name: string; in: string; required?: boolean; schema?: unknown; description?: string };
    if (p.in !== 'path' && p.in !== 'query') continue; // headers and cookies are the gateway's business, not the agent's
    properties[p.name] = { ...(inline(doc, p.schema ?? {}) as object), ...(p.description ? { description: p.description } : {}) };
    if (p.required || p.in === 'path') required.push(p.name);
  }
  if (op.requestBody) {
    const body = resolve(doc, op.requestBody) as { content?: Record<string, { schema?: unknown }>; required?: boolean };
    const schema = inline(doc, body.content?.['application/json']?.schema) as { type?: string; properties?: Record<string, unknown>; required?: string[] } | undefined;
    if (!schema || (schema.type !== undefined && schema.type !== 'object') || !schema.properties) throw new OpenApiImportError('request body must be a JSON object schema');
    for (const [prop, propSchema] of Object.entries(schema.properties)) {
      if (prop in properties) throw new OpenApiImportError(`body property "${prop}" clashes with a parameter`);
      properties[prop] = propSchema;
    }
    required.push(...(schema.required ?? []));
  }
  const success = Object.entries(op.responses ?? {}).find(([code]) => /^2\d\d$/.test(code))?.[1];
  const output = success ? (inline(doc, (resolve(doc, success) as { content?: Record<string, { schema?: unknown }> }).content?.['application/json']?.schema) ?? {}) : {};
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
  return tool;
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
