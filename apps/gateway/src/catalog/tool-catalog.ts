import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import type { TaskTokenClaims, ToolDescriptor } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { canonicalJson } from '../canonical-json';
import { CatalogFileSchema, ToolDefinitionSchema, type RateLimit, type ToolDefinition } from './catalog.schema';
import { importOpenApi } from './openapi-import';
import { createSchemaCompiler, type CompiledSchema } from './schema-validator';

const BENIGN_SKIPS = new Set(['x-switchboard-ignore', 'no operationId', 'HEAD has no body to return']);

/** The catalogue does not load: every problem is listed, as with config (STYLE.md §6). */
export class CatalogError extends SwitchboardError {
  constructor(readonly problems: string[]) {
    super('GATEWAY.CATALOG_INVALID', 'user', `invalid tool catalogue:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A validated, compiled tool. */
export interface Tool {
  readonly def: ToolDefinition;
  readonly input: CompiledSchema;
  readonly output: CompiledSchema;
  readonly pathParams: string[];
  readonly rateLimit: RateLimit;
  readonly descriptor: ToolDescriptor;
  /**
   * The version of the rules this tool's calls are decided by (its schemas, scope, risk, rate limit, approval
   * thresholds, effect key, read-back): `tool:<name>@` and the first 12 hex digits of the SHA-256 of its definition.
   * Each audit row records it, so a verdict names the rule as it was when it was decided.
   */
  readonly version: string;
}

/** `tool:<name>@<sha256 of its definition and effective rate limit, 12 hex>`: any edit of the tool changes it. */
export function toolVersion(def: ToolDefinition, rateLimit: RateLimit): string {
  return `tool:${def.name}@${createHash('sha256').update(canonicalJson({ def, rateLimit })).digest('hex').slice(0, 12)}`;
}

/** The tool registry: catalogue entries compiled once at start-up. */
export class ToolCatalog {
  private readonly tools: Map<string, Tool>;

  /**
   * The version of the whole catalogue (`catalog:<sha256 of every tool's version, 12 hex>`): what decides a call
   * that names no known tool.
   */
  readonly version: string;

  constructor(tools: Tool[]) {
    this.tools = new Map(tools.map((t) => [t.def.name, t]));
    const versions = tools.map((t) => t.version).sort().join('\n');
    this.version = `catalog:${createHash('sha256').update(versions).digest('hex').slice(0, 12)}`;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  all(): Tool[] {
    return [...this.tools.values()];
  }

  /** Whether a token may call this tool: named (or `*`) and within its scopes. */
  static allows(claims: TaskTokenClaims, tool: Tool): boolean {
    return (claims.tools.includes('*') || claims.tools.includes(tool.def.name)) && claims.scopes.includes(tool.def.scope);
  }

  /**
   * Descriptors of the tools a token names, each marked `callable` when its scope is granted too. A read-only task
   * still sees write tools: the verifier needs their read-back checks and a shadow-mode resolver proposes them.
   * Invocation alone enforces scopes.
   */
  forClaims(claims: TaskTokenClaims): ToolDescriptor[] {
    return this.all()
      .filter((t) => claims.tools.includes('*') || claims.tools.includes(t.def.name))
      .map((t) => ({ ...t.descriptor, callable: ToolCatalog.allows(claims, t) }));
  }
}

/**
 * Reads a catalogue file (YAML or JSON), merges tools imported from OpenAPI documents, validates everything and
 * compiles the JSON Schemas. Throws {@link CatalogError} listing every problem.
 */
export function loadCatalog(file: string, options: { backends: string[] }): ToolCatalog {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CatalogError([`${file}: ${(error as Error).message}`]);
  }
  const parsed = CatalogFileSchema.safeParse(raw);
  if (!parsed.success) throw new CatalogError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const entries: unknown[] = [...parsed.data.tools];
  const problems: string[] = [];
  for (const imp of parsed.data.imports) {
    try {
      const doc = YAML.parse(readFileSync(resolve(dirname(file), imp.openapi), 'utf8'));
      const { tools, skipped } = importOpenApi(doc, { backend: imp.backend, ...(imp.include ? { include: imp.include } : {}) });
      entries.push(...tools);
      // Operations left out on purpose are fine; ones that failed to convert are not.
      for (const s of skipped) if (!BENIGN_SKIPS.has(s.reason)) problems.push(`${imp.openapi}: ${s.operation} could not be imported: ${s.reason}`);
    } catch (error) {
      problems.push(`${imp.openapi}: ${(error as Error).message}`);
    }
  }
  const catalog = compileCatalog(entries, { backends: options.backends, defaultRateLimit: parsed.data.defaults.rateLimit }, problems);
  return catalog;
}

/** Validates and compiles tool definitions (already parsed from a file or imported). */
export function compileCatalog(entries: unknown[], options: { backends: string[]; defaultRateLimit: RateLimit }, problems: string[] = []): ToolCatalog {
  const defs: ToolDefinition[] = [];
  entries.forEach((entry, index) => {
    const result = ToolDefinitionSchema.safeParse(entry);
    const label = (entry as { name?: unknown })?.name ?? `#${index}`;
    if (!result.success) problems.push(...result.error.issues.map((i) => `tool ${String(label)}: ${i.path.join('.')}: ${i.message}`));
    else defs.push(result.data);
  });
  const byName = new Map<string, ToolDefinition>();
  for (const d of defs) {
    if (byName.has(d.name)) problems.push(`tool ${d.name}: defined twice`);
    byName.set(d.name, d);
  }
  const tools: Tool[] = [];
  const compile = createSchemaCompiler();
  for (const def of byName.values()) {
    const where = `tool ${def.name}`;
    const props = (def.input.properties ?? {}) as Record<string, { type?: unknown }>;
    const required = Array.isArray(def.input.required) ? (def.input.required as string[]) : [];
    if (def.input.type !== 'object') problems.push(`${where}: input must be a JSON Schema of type object`);
    // The gateway binds every call to the token's tenant through this argument; a tool without one is refused.
    const tenant = def.tenantArgument;
    if (!props[tenant] || !required.includes(tenant) || props[tenant]?.type !== 'string') {
      problems.push(`${where}: input must have a required string "${tenant}" property (the tenant argument${tenant === 'tenantId' ? '; set tenantArgument to name another' : ''})`);
    }
    if (!options.backends.includes(def.backend)) problems.push(`${where}: backend "${def.backend}" is not configured (known: ${options.backends.join(', ') || 'none'})`);
    const pathParams = [...def.http.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!);
    for (const p of pathParams) if (!props[p] || !required.includes(p)) problems.push(`${where}: path parameter {${p}} must be a required input property`);
    if (def.amountField !== undefined) {
      const t = props[def.amountField]?.type;
      if (t !== 'number' && t !== 'integer') problems.push(`${where}: amountField "${def.amountField}" must be a number input property`);
    }
    if (typeof def.approval === 'object') {
      if (def.approval.above !== undefined && def.amountField === undefined) problems.push(`${where}: approval { above } needs an amountField`);
      for (const limit of def.approval.cumulative ?? []) {
        if (limit.amountAbove !== undefined && def.amountField === undefined) problems.push(`${where}: cumulative amountAbove needs an amountField`);
        if (Array.isArray(limit.per)) {
          for (const arg of limit.per) if (!def.effectKey?.includes(arg)) problems.push(`${where}: cumulative limit per "${arg}" must name an effectKey argument`);
        }
      }
    }
    if (def.scope === 'write') {
      if (!def.effectKey) problems.push(`${where}: write tools need an effectKey: the arguments that identify the effect (not free text)`);
      else {
        for (const arg of def.effectKey) if (!props[arg]) problems.push(`${where}: effectKey argument "${arg}" is not an input property`);
        if (new Set(def.effectKey).size !== def.effectKey.length) problems.push(`${where}: effectKey names an argument twice`);
        // Without these, two different effects (other invoice, other amount, other tenant) would collapse into one.
        for (const arg of [tenant, ...pathParams, ...(def.amountField ? [def.amountField] : [])]) {
          if (!def.effectKey.includes(arg)) problems.push(`${where}: effectKey must include "${arg}" (tenant argument, path parameters and amountField identify the effect)`);
        }
      }
    } else if (def.effectKey) problems.push(`${where}: only write tools have an effectKey`);
    if (def.scope === 'read' && def.approval !== 'never') problems.push(`${where}: read tools cannot require approval`);
    if (def.scope === 'write') {
      if (!def.readBack) problems.push(`${where}: write tools need a readBack check for the verifier`);
      else {
        problems.push(...readMappingProblems(where, 'readBack', def.readBack, props, byName));
        if (def.readBack.expect.length === 0) problems.push(`${where}: readBack needs at least one expectation`);
        for (const e of def.readBack.expect) {
          if ((e.equals === undefined) === (e.equalsArgument === undefined)) problems.push(`${where}: readBack expectation "${e.path}" needs exactly one of equals / equalsArgument`);
          if (e.equalsArgument !== undefined && !props[e.equalsArgument]) problems.push(`${where}: readBack expectation refers to unknown argument "${e.equalsArgument}"`);
        }
      }
    } else if (def.readBack) problems.push(`${where}: only write tools have a readBack`);
    if (def.preview && def.scope !== 'write') problems.push(`${where}: only write tools have a preview`);
    else if (def.preview) {
      problems.push(...readMappingProblems(where, 'preview', def.preview, props, byName));
      for (const f of def.preview.fields) {
        for (const arg of [f.after?.equalsArgument, f.after?.plusArgument, f.after?.minusArgument]) {
          if (arg !== undefined && !props[arg]) problems.push(`${where}: preview field "${f.path}" refers to unknown argument "${arg}"`);
        }
      }
    }
    try {
      const input = compile(def.input, `${where}/input`);
      const output = compile(def.output, `${where}/output`);
      const rateLimit = def.rateLimit ?? options.defaultRateLimit;
      tools.push({
        def,
        input,
        output,
        pathParams,
        rateLimit,
        version: toolVersion(def, rateLimit),
        descriptor: {
          name: def.name,
          description: def.description,
          scope: def.scope,
          risk: def.risk,
          inputSchema: def.input,
          ...(def.readBack ? { readBack: def.readBack } : {}),
        },
      });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return new ToolCatalog(tools);
}

/**
 * Problems of a read a write tool names (its readBack check or its preview): the read tool exists and is a read tool,
 * and each read argument is mapped from an argument the write tool has, to an argument the read tool takes.
 */
function readMappingProblems(where: string, what: 'readBack' | 'preview', read: { tool: string; arguments: Record<string, string> }, writeProps: Record<string, unknown>, byName: ReadonlyMap<string, ToolDefinition>): string[] {
  const problems: string[] = [];
  const reader = byName.get(read.tool);
  if (!reader) problems.push(`${where}: ${what} tool "${read.tool}" does not exist`);
  else if (reader.scope !== 'read') problems.push(`${where}: ${what} tool "${read.tool}" must be a read tool`);
  const readerProps = (reader?.input.properties ?? {}) as Record<string, unknown>;
  for (const [readArg, writeArg] of Object.entries(read.arguments)) {
    if (!writeProps[writeArg]) problems.push(`${where}: ${what} argument "${readArg}" refers to unknown argument "${writeArg}"`);
    if (reader && !readerProps[readArg]) problems.push(`${where}: ${what} tool has no argument "${readArg}"`);
  }
  return problems;
}
