// Writes docs/configuration.md from the zod config schemas of every app, so the reference cannot drift from the code.
// Run: npm run build && node dist/scripts/gen-config-docs.js        (check only: add --check; exits 1 when stale)
// The deploy e2e spec (test/e2e/deploy/config-docs.e2e-spec.ts) fails when the committed file is stale.
//
// Discovery, not a list: every apps/<svc>/src/*.config.ts that exports a zod object named `<Something>ConfigSchema`
// is a service's schema. Keys, types and defaults come from z.toJSONSchema (input side: what an operator sets);
// descriptions come from the `/** … */` comments on the keys in the schema sources (or a zod `.describe()`).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { z } from 'zod';

/** One service's config schema, as found on disk. */
export interface ServiceSchema {
  service: string;
  file: string;
  exportName: string;
  schema: z.ZodObject;
}

/** One environment variable as one service reads it. */
export interface ServiceVariable {
  service: string;
  key: string;
  required: boolean;
  default?: string;
  type: string;
  description?: string;
}

const CONFIG_FILE = /\.config\.ts$/;
const ENV_KEY = /^[A-Z][A-Z0-9_]*$/;

/** The repository root: the first folder upwards with package.json and apps/. */
export function findRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'apps'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

/** Every app folder under apps/, sorted. */
export function listApps(root: string = findRoot()): string[] {
  return readdirSync(join(root, 'apps'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'apps', d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort();
}

/**
 * Loads each app's config schema. `codeRoot` is where the modules are required from: the repo itself under jest (TS),
 * `dist/` when run compiled (`require` without an extension picks `.ts` or `.js`).
 */
export function loadServiceSchemas(root: string = findRoot(), codeRoot: string = join(__dirname, '..')): ServiceSchema[] {
  const out: ServiceSchema[] = [];
  for (const service of listApps(root)) {
    const src = join(root, 'apps', service, 'src');
    for (const file of readdirSync(src).filter((f) => CONFIG_FILE.test(f)).sort()) {
      // A synchronous, extension-less require: `.ts` under jest, `.js` from dist/.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(codeRoot, 'apps', service, 'src', file.replace(/\.ts$/, ''))) as Record<string, unknown>;
      const candidates = Object.entries(mod).filter(([name, value]) => name.endsWith('ConfigSchema') && value instanceof z.ZodObject);
      const preferred = pascal(file.replace(CONFIG_FILE, '')) + 'ConfigSchema';
      const pick = candidates.find(([name]) => name === preferred) ?? candidates[0];
      if (pick) out.push({ service, file: relative(root, join(src, file)), exportName: pick[0], schema: pick[1] as z.ZodObject });
    }
  }
  return out;
}

/** Every variable each service reads, with its default and type from the schema's input side. */
export function describeServices(schemas: ServiceSchema[], root: string = findRoot()): ServiceVariable[] {
  const docs = jsDocDescriptions(root);
  const vars: ServiceVariable[] = [];
  for (const { service, file, schema } of schemas) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, JsonProp>;
      required?: string[];
    };
    for (const key of Object.keys(schema.shape)) {
      const prop = json.properties?.[key] ?? {};
      const description = prop.description ?? docs.get(`${file}#${key}`) ?? docs.get(key);
      vars.push({
        service,
        key,
        // Required = unset fails to parse (a default of '' that must be a non-empty list counts as required too).
        required: !(schema.shape[key] as z.ZodType).safeParse(undefined).success,
        ...(prop.default !== undefined ? { default: formatDefault(prop.default, root) } : {}),
        type: typeOf(prop),
        ...(description ? { description } : {}),
      });
    }
  }
  return vars;
}

/** Service → the set of env keys its schema knows. */
export function knownKeysByService(schemas: ServiceSchema[] = loadServiceSchemas()): Map<string, Set<string>> {
  return new Map(schemas.map((s) => [s.service, new Set(Object.keys(s.schema.shape))]));
}

/** The Markdown reference: one row per variable, defaults per service where they differ. */
export function renderConfigDocs(vars: ServiceVariable[], schemas: ServiceSchema[]): string {
  const byKey = new Map<string, ServiceVariable[]>();
  for (const v of vars) byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by scripts/gen-config-docs.ts from the zod config schemas; do not edit by hand. -->',
    '<!-- Regenerate: npm run build && node dist/scripts/gen-config-docs.js -->',
    '',
    'Every service reads its configuration from environment variables only, parses it once at start-up with its zod',
    'schema and, if anything is wrong, prints every bad key and exits with status 78. Unknown variables are ignored by',
    'the services, but the deploy tests (`test/e2e/deploy`) fail if docker-compose or the Helm chart sets a variable the',
    "service's schema does not know.",
    '',
    '`<root>` in a default is the install directory (`/app` in the container image, the clone when run from source);',
    '`~` is the home directory of the user running the service. **required** means there is no default: the service',
    'refuses to start without it.',
    '',
    '## Schemas',
    '',
    '| service | schema | file |',
    '|---|---|---|',
    ...schemas.map((s) => `| \`${s.service}\` | \`${s.exportName}\` | [\`${s.file}\`](../${s.file}) |`),
    '',
    '## Variables',
    '',
    '| variable | default | services | type | description |',
    '|---|---|---|---|---|',
  ];
  for (const key of [...byKey.keys()].sort()) {
    const entries = byKey.get(key)!;
    const services = entries.map((e) => `\`${e.service}\``).join(', ');
    const defaults = new Set(entries.map((e) => (e.required ? 'required' : (e.default ?? ''))));
    const fmt = (e: ServiceVariable): string => (e.required ? '**required**' : e.default !== undefined ? `\`${e.default}\`` : '—');
    const def = defaults.size === 1 ? fmt(entries[0]!) : entries.map((e) => `${e.service}: ${fmt(e)}`).join('<br>');
    const types = [...new Set(entries.map((e) => e.type))].join(' / ');
    const described = entries.filter((e) => e.description);
    const distinct = [...new Set(described.map((e) => e.description!))];
    // A description written in one app's schema only speaks for that app; say so when others read the key too.
    const description =
      distinct.length === 1 && described.length === entries.length
        ? distinct[0]!
        : distinct.map((d) => `${described.filter((e) => e.description === d).map((e) => e.service).join(', ')}: ${d}`).join('<br>');
    lines.push(`| \`${key}\` | ${cell(def)} | ${services} | ${cell(types)} | ${cell(description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The whole document, as committed in docs/configuration.md. */
export function generateConfigDocs(root: string = findRoot(), codeRoot?: string): string {
  const schemas = loadServiceSchemas(root, codeRoot);
  return renderConfigDocs(describeServices(schemas, root), schemas);
}

interface JsonProp {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  default?: unknown;
  description?: string;
  anyOf?: JsonProp[];
  pattern?: string;
}

function typeOf(prop: JsonProp): string {
  if (prop.enum) return prop.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (prop.anyOf) return prop.anyOf.map(typeOf).join(' | ');
  const base = Array.isArray(prop.type) ? prop.type.join(' | ') : (prop.type ?? 'string');
  return prop.format ? `${base} (${prop.format})` : base;
}

function formatDefault(value: unknown, root: string): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.split(root).join('<root>').split(homedir()).join('~');
}

function pascal(kebab: string): string {
  return kebab.replace(/(^|[-_.])([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

/**
 * `/** … *\/` comments on UPPER_SNAKE keys in the config sources: apps' own files (keyed `file#KEY`) and every lib
 * source that declares a `…ConfigSchema` (keyed `KEY`), so fragments merged into an app keep their documentation.
 */
function jsDocDescriptions(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const files: string[] = [];
  for (const app of listApps(root)) {
    const src = join(root, 'apps', app, 'src');
    files.push(...readdirSync(src).filter((f) => CONFIG_FILE.test(f)).map((f) => join(src, f)));
  }
  const libs = join(root, 'libs');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'testing') walk(p);
      else if (e.isFile() && p.endsWith('.ts') && !/\.(spec|int-spec)\.ts$/.test(p) && /ConfigSchema\s*=/.test(readFileSync(p, 'utf8'))) files.push(p);
    }
  };
  for (const lib of readdirSync(libs, { withFileTypes: true })) if (lib.isDirectory() && existsSync(join(libs, lib.name, 'src'))) walk(join(libs, lib.name, 'src'));
  for (const path of files) {
    const rel = relative(root, path);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && ENV_KEY.test(node.name.text)) {
        const doc = ts
          .getJSDocCommentsAndTags(node)
          .filter(ts.isJSDoc)
          .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim();
        if (doc) {
          const isApp = rel.startsWith('apps/');
          out.set(isApp ? `${rel}#${node.name.text}` : node.name.text, doc);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

if (require.main === module) {
  const root = findRoot();
  const target = join(root, 'docs', 'configuration.md');
  const text = generateConfigDocs(root);
  if (process.argv.includes('--check')) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('docs/configuration.md is stale: run `npm run build && node dist/scripts/gen-config-docs.js`\n');
      process.exit(1);
    }
    process.stdout.write('docs/configuration.md is up to date\n');
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${relative(root, target)}\n`);
  }
}
