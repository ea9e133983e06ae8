import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProceduresCheck } from './procedures';

const ROOT = join(__dirname, '..', '..', '..', '..');

describe('procedures check (the shipped set against the shipped catalogue)', () => {
  it('finds every shipped procedure fitting the catalogue and every simulation passing', async () => {
    const lines: string[] = [];
    const code = await runProceduresCheck(['--dir', join(ROOT, 'procedures')], (l) => lines.push(l));
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/procedures for \d+ intents fit/);
  });

  it('refuses a procedure that does not fit the catalogue with exit 78 and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procedures-'));
    writeFileSync(join(dir, 'trial.yaml'), `version: 1
intent: trial_extension
procedures:
  - id: extend-a-lot
    version: 1
    title: Extend by 90 days
    description: The customer wants a much longer trial.
    steps:
      - { id: extend, write: extend_trial, with: { tenantId: ticket.tenantId, days: 90 } }
      - { id: wipe, write: drop_tenant, with: { tenantId: ticket.tenantId } }
    success:
      - { id: active, read: get_trial, with: { tenantId: ticket.tenantId }, expect: 'result.status == "active"', says: active }
    reply: Done.
`);
    const lines: string[] = [];
    expect(await runProceduresCheck(['--dir', dir], (l) => lines.push(l))).toBe(78);
    expect(lines.join('\n')).toContain('90 does not satisfy extend_trial.days');
    expect(lines.join('\n')).toContain('no tool named drop_tenant in the catalogue');
  });
});
