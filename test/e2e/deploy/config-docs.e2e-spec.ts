import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateConfigDocs, listApps, loadServiceSchemas } from '../../../scripts/gen-config-docs';
import { ROOT } from './deploy-support';

describe('configuration reference (docs/configuration.md)', () => {
  it('finds a zod config schema for every app under apps/', () => {
    const schemas = loadServiceSchemas(ROOT, ROOT);
    expect(schemas.map((s) => s.service).sort()).toEqual(listApps(ROOT));
    for (const s of schemas) expect(Object.keys(s.schema.shape).length).toBeGreaterThan(0);
  });

  it('is what the generator writes from the current schemas (regenerate: npm run build && node dist/scripts/gen-config-docs.js)', () => {
    const committed = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(generateConfigDocs(ROOT, ROOT));
  });

  it('lists every variable of every schema with the services that read it', () => {
    const doc = generateConfigDocs(ROOT, ROOT);
    for (const { service, schema } of loadServiceSchemas(ROOT, ROOT)) {
      for (const key of Object.keys(schema.shape)) {
        const row = doc.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
        expect(row).toBeDefined();
        expect(row).toContain(`\`${service}\``);
      }
    }
  });
});
