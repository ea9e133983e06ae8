import { join } from 'node:path';
import { diffProcedures } from './diff';
import { loadProcedureSet } from './procedure-set';

const shipped = loadProcedureSet(join(__dirname, '..', '..', '..', 'procedures'));

describe('diffProcedures', () => {
  const base = shipped.all().find((p) => p.intent === 'trial_extension')!;

  it('finds nothing between a procedure and itself, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(structuredClone(base)).reverse()) as typeof base;
    expect(diffProcedures(base, reordered)).toEqual([]);
  });

  it('names each changed, added and removed field by its path with the values on both sides', () => {
    const next = structuredClone(base);
    next.version = base.version + 1;
    next.title = 'Extend a trial (reviewed)';
    next.steps = next.steps.slice(0, -1);
    next.tenants = ['globex'];
    const changes = diffProcedures(base, next);
    expect(changes).toEqual(expect.arrayContaining([
      { path: 'version', kind: 'changed', before: base.version, after: base.version + 1 },
      { path: 'title', kind: 'changed', before: base.title, after: 'Extend a trial (reviewed)' },
      { path: `steps/${base.steps.length - 1}`, kind: 'removed', before: base.steps[base.steps.length - 1] },
      { path: 'tenants', kind: 'added', after: ['globex'] },
    ]));
    expect(changes).toHaveLength(4);
  });
});
