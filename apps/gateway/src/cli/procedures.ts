import { parseArgs } from 'node:util';
import { checkAgainstCatalogue, loadProcedureSet, ProcedureSetError, simulateSet } from '@switchboard/procedures';
import { loadCatalog } from '../catalog/tool-catalog';
import { gatewayAppPath } from '../paths';

/**
 * Checks a procedures directory the way the services do at start-up, offline: structure and expressions (supervisor),
 * fit with the tool catalogue (gateway), and every simulation. Prints each problem and a table of simulations; exit 0
 * when all is well, 1 on a failing simulation, 78 on an invalid set.
 * Usage: `npm run procedures -- [--dir procedures] [--catalog apps/gateway/catalog/acme.tools.yaml]`
 */
export async function runProceduresCheck(argv: string[], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { dir: { type: 'string', default: 'procedures' }, catalog: { type: 'string', default: gatewayAppPath('catalog', 'acme.tools.yaml') }, backends: { type: 'string', default: 'acme' } } });
  try {
    const set = loadProcedureSet(values.dir!);
    const catalog = loadCatalog(values.catalog!, { backends: values.backends!.split(',') });
    const problems = checkAgainstCatalogue(set, catalog.all().map((t) => t.descriptor));
    if (problems.length > 0) throw new ProcedureSetError(problems);
    write(`${set.all().length} procedures for ${set.intents().length} intents fit ${values.catalog} (set ${set.digest})`);
    const results = await simulateSet(set);
    for (const r of results) write(`${r.passed ? 'ok  ' : 'FAIL'} ${r.procedure.padEnd(32)} ${r.test}${r.passed ? '' : `\n       ${r.problems.join('\n       ')}`}`);
    const failed = results.filter((r) => !r.passed).length;
    write(`${results.length - failed} of ${results.length} simulations passed`);
    return failed === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof ProcedureSetError) {
      write(error.message);
      return 78;
    }
    throw error;
  }
}

if (require.main === module) {
  runProceduresCheck(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
