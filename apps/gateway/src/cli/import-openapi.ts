import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { importOpenApi } from '../catalog/openapi-import';

/**
 * Prints catalogue tool entries (YAML) for the operations of an OpenAPI 3 document, to review and paste into a
 * catalogue file, or reference the document directly with `imports:` in the catalogue.
 * Usage: node dist/apps/gateway/src/cli/import-openapi.js <openapi.yaml|json> --backend <name> [--include op1,op2]
 */
export function runImportOpenApi(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const file = argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1] !== '--backend' && argv[argv.indexOf(a) - 1] !== '--include');
  const backend = argv[argv.indexOf('--backend') + 1];
  const includeArg = argv.includes('--include') ? argv[argv.indexOf('--include') + 1] : undefined;
  if (!file || !argv.includes('--backend') || !backend) {
    err('usage: import-openapi <openapi.yaml|json> --backend <name> [--include op1,op2]\n');
    return 64;
  }
  const { tools, skipped } = importOpenApi(YAML.parse(readFileSync(file, 'utf8')), { backend, ...(includeArg ? { include: includeArg.split(',') } : {}) });
  for (const s of skipped) err(`skipped ${s.operation}: ${s.reason}\n`);
  out(YAML.stringify({ version: 1, tools }));
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = runImportOpenApi(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  } catch (error) {
    process.stderr.write(`import failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
