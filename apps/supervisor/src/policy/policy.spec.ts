import { supervisorAppPath } from '../paths';
import { loadPolicyFile, parsePolicy, PolicyInvalidError } from './policy.loader';
import { resolvePolicy } from './policy.schema';

describe('policy', () => {
  it('loads the shipped default policy', () => {
    const sut = loadPolicyFile(supervisorAppPath('policy', 'default.policy.yaml'));
    expect(sut.defaultMode).toBe('shadow');
    expect(resolvePolicy(sut, 'any', 'dashboard_cache').mode).toBe('autonomous');
  });

  it('resolves the most specific override, field by field', () => {
    const sut = parsePolicy(`
version: 1
defaultMode: shadow
budgets: { maxIterations: 10, maxCostUsd: 2 }
overrides:
  - { intent: refund, mode: assist, budgets: { maxCostUsd: 1 } }
  - { tenant: globex, mode: autonomous, minConfidence: { autonomous: 0.9 } }
  - { tenant: globex, intent: refund, budgets: { maxIterations: 4 } }
`);
    expect(resolvePolicy(sut, 'acme', 'refund')).toMatchObject({ mode: 'assist', modeSource: 'intent', budgets: { maxCostUsd: 1, maxIterations: 10 } });
    expect(resolvePolicy(sut, 'globex', 'refund')).toMatchObject({ mode: 'autonomous', modeSource: 'tenant', budgets: { maxCostUsd: 1, maxIterations: 4 } });
    expect(resolvePolicy(sut, 'globex').minConfidence.autonomous).toBe(0.9);
    expect(resolvePolicy(sut, 'acme')).toMatchObject({ mode: 'shadow', minConfidence: { autonomous: 0.95 } });
  });

  it('lists every problem of an invalid file', () => {
    const bad = () => parsePolicy('version: 1\ndefaultMode: yolo\nbudgets: { maxIterations: 0, bogus: 1 }\noverrides:\n  - { mode: shadow }\n  - { intent: nope }\n');
    expect(bad).toThrow(PolicyInvalidError);
    try {
      bad();
    } catch (error) {
      const message = (error as Error).message;
      for (const needle of ['defaultMode', 'budgets.maxIterations', 'bogus', 'an override needs a tenant']) expect(message).toContain(needle);
    }
    expect(() => parsePolicy('version: 1\noverrides:\n  - { intent: nope }\n  - { tenant: a }\n  - { tenant: a }\n')).toThrow(/intent "nope" is not in intents[\s\S]*duplicate override/);
    expect(() => parsePolicy('{ not yaml: [')).toThrow(/not valid YAML/);
  });
});
