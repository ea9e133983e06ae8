// Writes docs/contracts/*.schema.json from the zod schemas, so the published contract cannot drift from the code.
// Run: npm run docs:contracts   (the contracts unit test fails when the committed files are stale)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractJsonSchemas } from '@switchboard/contracts';

const out = join(process.cwd(), "docs", "contracts");
for (const [file, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(join(out, file), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote docs/contracts/${file}\n`);
}
