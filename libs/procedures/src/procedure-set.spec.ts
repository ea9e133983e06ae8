import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import type { ToolDescriptor } from '@switchboard/contracts';
import { checkAgainstCatalogue } from './catalogue-check';
import { loadProcedureSet, ProcedureSetError } from './procedure-set';

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'procedures-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : YAML.stringify(content));
  return dir;
}

const good = {
  id: 'reset', version: 1, title: 'Reset the cache', description: 'The dashboard is blank after a change.',
  steps: [
    { id: 'cache', read: 'get_cache_status', with: { tenantId: 'ticket.tenantId' } },
    { id: 'reset', write: 'reset_tenant_cache', with: { tenantId: 'ticket.tenantId' } },
  ],
  success: [{ id: 'fresh', read: 'get_cache_status', with: { tenantId: 'ticket.tenantId' }, expect: 'result.status == "fresh"', says: 'fresh' }],
  reply: 'We reset your cache (version ${steps.reset.version}).',
};

function problemsOf(files: Record<string, unknown>): string[] {
  try {
    loadProcedureSet(dirWith(files));
    return [];
  } catch (error) {
    if (!(error instanceof ProcedureSetError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('loadProcedureSet', () => {
  it('loads a valid intent file and derives the allow-list from the tools used', () => {
    const set = loadProcedureSet(dirWith({ 'dash.yaml': { version: 1, intent: 'dashboard_cache', procedures: [good] } }));
    expect(set.forCase('dashboard_cache', 'globex').map((p) => p.id)).toEqual(['reset']);
    expect(set.allowedTools('dashboard_cache')).toEqual(['get_cache_status', 'reset_tenant_cache']);
    expect(set.allowedTools('refund')).toBeUndefined();
  });

  it('lists every problem of a broken set, with its path, and loads nothing', () => {
    const problems = problemsOf({
      'a.yaml': {
        version: 1, intent: 'dashboard_cache',
        procedures: [
          { ...good, steps: [...good.steps, { id: 'late', when: 'steps.later.x == 1', escalate: 'no' }, { id: 'reset', read: 'get_tenant', with: { tenantId: '"other-tenant"' } }] },
          { ...good, id: 'nosuccess', success: [] },
          { ...good, id: 'badexpr', reply: 'Hi ${steps.cache.version +}' },
          { ...good, id: 'noslot', steps: [{ id: 'u', read: 'get_user', with: { tenantId: 'ticket.tenantId', email: 'slots.email' } }] },
        ],
      },
      'b.yaml': 'version: 1\nintent: [unclosed',
      'c.yaml': { version: 1, intent: 'dashboard_cache', procedures: [] },
    });
    const text = problems.join('\n');
    expect(text).toContain('steps.later, which is not an earlier read or write step');
    expect(text).toContain('step id reset is used twice');
    expect(text).toContain('tenantId must be bound to ticket.tenantId');
    expect(text).toContain('needs at least one success check');
    expect(text).toMatch(/badexpr.*reply.*template/);
    expect(text).toContain('slots.email, which is not a declared slot');
    expect(text).toContain('b.yaml: not valid YAML/JSON');
    expect(text).toContain('also defined in');
  });

  it('refuses writes in a no_action procedure and tools outside the allow-list', () => {
    const problems = problemsOf({ 'a.yaml': { version: 1, intent: 'how_to', tools: ['get_cache_status'], procedures: [{ ...good, decision: 'no_action' }] } });
    expect(problems.join('\n')).toContain('a no_action procedure answers only');
    expect(problems.join('\n')).toContain('reset_tenant_cache is not in the intent\'s tools allow-list');
  });

  it('refuses a success check that reads what the verifier cannot know', () => {
    const problems = problemsOf({ 'a.yaml': { version: 1, intent: 'dashboard_cache', procedures: [{ ...good, success: [{ ...good.success[0], expect: 'result.version > steps.cache.version' }] }] } });
    expect(problems.join('\n')).toContain('a success check cannot read steps');
  });
});

describe('checkAgainstCatalogue', () => {
  const tools: ToolDescriptor[] = [
    { name: 'get_cache_status', description: '', scope: 'read', risk: 'low', inputSchema: { type: 'object', required: ['tenantId'], additionalProperties: false, properties: { tenantId: { type: 'string' } } } },
    { name: 'reset_tenant_cache', description: '', scope: 'write', risk: 'low', inputSchema: { type: 'object', required: ['tenantId'], properties: { tenantId: { type: 'string' } } }, readBack: { tool: 'get_cache_status', arguments: { tenantId: 'tenantId' }, expect: [] } },
    { name: 'extend_trial', description: '', scope: 'write', risk: 'medium', inputSchema: { type: 'object', required: ['tenantId', 'days'], additionalProperties: false, properties: { tenantId: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 30 } } } },
  ];

  it('accepts a procedure that fits the catalogue', () => {
    const set = loadProcedureSet(dirWith({ 'a.yaml': { version: 1, intent: 'dashboard_cache', procedures: [good] } }));
    expect(checkAgainstCatalogue(set, tools)).toEqual([]);
  });

  it('names unknown tools, wrong scopes, unbound or unknown arguments, schema violations and writes without read-back', () => {
    const set = loadProcedureSet(dirWith({
      'a.yaml': {
        version: 1, intent: 'trial_extension', tools: ['get_cache_status', 'extend_trial', 'reset_tenant_cache', 'nope'],
        procedures: [{
          ...good,
          reply: 'Done.',
          slots: { label: { description: 'a label', type: 'string', ask: true } },
          steps: [
            { id: 'a', read: 'reset_tenant_cache', with: { tenantId: 'ticket.tenantId' } },
            { id: 'b', write: 'extend_trial', with: { tenantId: 'ticket.tenantId', days: 45 } },
            { id: 'c', write: 'extend_trial', with: { tenantId: 'ticket.tenantId', days: 'slots.label', bogus: '1' } },
            { id: 'd', read: 'get_cache_status', with: {} },
          ],
        }],
      },
    }));
    const text = checkAgainstCatalogue(set, tools).map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(text).toContain('no tool named nope');
    expect(text).toContain('reset_tenant_cache is a write tool');
    expect(text).toContain('45 does not satisfy extend_trial.days');
    expect(text).toContain('extend_trial has no read-back check');
    expect(text).toContain('extend_trial has no argument bogus');
    expect(text).toContain('slot label is a string but extend_trial.days takes integer');
    expect(text).toContain('get_cache_status requires tenantId, which is not bound');
  });
});
