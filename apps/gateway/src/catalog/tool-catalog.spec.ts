import { gatewayAppPath } from '../paths';
import { compileCatalog, CatalogError, loadCatalog, ToolCatalog } from './tool-catalog';

const claims = {
  caseId: 'case_1', taskId: 't', tenantId: 'globex', region: 'us-east-1', agent: 'verifier' as const, mode: 'autonomous' as const,
  tools: ['*'], scopes: ['read' as const], iat: 1, exp: 2,
};

describe('tool catalogue', () => {
  const acme = loadCatalog(gatewayAppPath('catalog', 'acme.tools.yaml'), { backends: ['acme'] });

  it('loads the acme catalogue: reads, writes with read-backs, the refund approval threshold', () => {
    expect(acme.all().map((t) => t.def.name).sort()).toEqual([
      'extend_trial', 'get_cache_status', 'get_feature_flag', 'get_feature_flags', 'get_invoice', 'get_login_attempts', 'get_tenant',
      'get_tenant_events', 'get_trial', 'get_user', 'issue_refund', 'list_invoices', 'reset_tenant_cache', 'set_feature_flag', 'unlock_account',
    ]);
    expect(acme.get('issue_refund')!.def).toMatchObject({
      scope: 'write', risk: 'high', amountField: 'amount', effectKey: ['tenantId', 'invoiceId', 'amount'],
      approval: { above: 100, cumulative: [{ per: 'case', amountAbove: 100 }, { per: ['invoiceId'], amountAbove: 100 }, { per: 'tenant-day', amountAbove: 300 }] },
    });
    for (const t of acme.all().filter((x) => x.def.scope === 'write')) {
      expect(t.descriptor.readBack).toBeDefined();
      expect(t.def.effectKey).toEqual(expect.arrayContaining(['tenantId']));
      expect(t.def.effectKey).not.toContain('reason');
    }
    for (const t of acme.all()) expect(t.def.tenantArgument).toBe('tenantId');
    expect(acme.get('get_tenant')!.rateLimit).toEqual({ capacity: 20, refillPerSecond: 2, mode: 'enforce' });
  });

  it('versions each tool by its definition: an edit of one tool (its approval threshold) changes its version and the catalogue\'s, not the others\'', () => {
    const raw = acme.all().map((t) => t.def);
    const again = compileCatalog(raw, { backends: ['acme'], defaultRateLimit: { capacity: 20, refillPerSecond: 2, mode: 'enforce' } });
    expect(again.get('issue_refund')!.version).toBe(acme.get('issue_refund')!.version);
    expect(acme.get('issue_refund')!.version).toMatch(/^tool:issue_refund@[0-9a-f]{12}$/);
    expect(acme.version).toMatch(/^catalog:[0-9a-f]{12}$/);
    const edited = compileCatalog(raw.map((d) => (d.name === 'issue_refund' ? { ...d, approval: { ...(d.approval as object), above: 50 } } : d)), { backends: ['acme'], defaultRateLimit: { capacity: 20, refillPerSecond: 2, mode: 'enforce' } });
    expect(edited.get('issue_refund')!.version).not.toBe(acme.get('issue_refund')!.version);
    expect(edited.get('get_invoice')!.version).toBe(acme.get('get_invoice')!.version);
    expect(edited.version).not.toBe(acme.version);
  });

  it('lists the tools a token names, callable only within its scopes', () => {
    expect(acme.forClaims(claims).filter((d) => d.callable).every((d) => d.scope === 'read')).toBe(true);
    expect(acme.forClaims(claims).filter((d) => d.scope === 'write').every((d) => d.callable === false)).toBe(true);
    expect(acme.forClaims({ ...claims, tools: ['get_tenant', 'issue_refund'], scopes: ['read', 'write'] }).map((d) => d.name)).toEqual(['get_tenant', 'issue_refund']);
    expect(ToolCatalog.allows({ ...claims, tools: ['get_tenant'] }, acme.get('get_trial')!)).toBe(false);
  });

  it('lists every problem of a bad catalogue at once', () => {
    const bad = [
      { name: 'no_tenant', description: 'reads something', backend: 'acme', scope: 'read', risk: 'low', http: { method: 'GET', path: '/x/{id}' }, input: { type: 'object', properties: { id: { type: 'string' } } } },
      { name: 'write_without_readback', description: 'writes something', backend: 'crm', scope: 'write', risk: 'low', http: { method: 'POST', path: '/y' }, approval: { above: 5 }, input: { type: 'object', required: ['tenantId'], properties: { tenantId: { type: 'string' } } } },
      { name: 'Bad Name', description: 'x' },
    ];
    let error: CatalogError | undefined;
    try {
      compileCatalog(bad, { backends: ['acme'], defaultRateLimit: { capacity: 1, refillPerSecond: 1, mode: 'enforce' } });
    } catch (e) {
      error = e as CatalogError;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect(error!.problems).toEqual(expect.arrayContaining([
      'tool no_tenant: input must have a required string "tenantId" property (the tenant argument; set tenantArgument to name another)',
      'tool no_tenant: path parameter {id} must be a required input property',
      'tool write_without_readback: backend "crm" is not configured (known: acme)',
      'tool write_without_readback: approval { above } needs an amountField',
      'tool write_without_readback: write tools need a readBack check for the verifier',
      'tool write_without_readback: write tools need an effectKey: the arguments that identify the effect (not free text)',
    ]));
    expect(error!.problems.some((p) => p.startsWith('tool Bad Name: name'))).toBe(true);
  });

  const write = (over: Record<string, unknown>) => ({
    name: 'pay', description: 'pays an invoice', backend: 'acme', scope: 'write', risk: 'high', http: { method: 'POST', path: '/t/{tenantId}/i/{invoiceId}' },
    input: { type: 'object', required: ['tenantId', 'invoiceId', 'amount'], properties: { tenantId: { type: 'string' }, invoiceId: { type: 'string' }, amount: { type: 'number' }, memo: { type: 'string' } } },
    amountField: 'amount', effectKey: ['tenantId', 'invoiceId', 'amount'],
    readBack: { tool: 'get_tenant', arguments: { tenantId: 'tenantId' }, expect: [{ path: 'id', equalsArgument: 'tenantId' }] },
    ...over,
  });
  const reader = { name: 'get_tenant', description: 'reads a tenant', backend: 'acme', scope: 'read', risk: 'low', http: { method: 'GET', path: '/t/{tenantId}' }, input: { type: 'object', required: ['tenantId'], properties: { tenantId: { type: 'string' } } } };
  const problemsOf = (entries: unknown[]): string[] => {
    try {
      compileCatalog(entries, { backends: ['acme'], defaultRateLimit: { capacity: 1, refillPerSecond: 1, mode: 'enforce' } });
      return [];
    } catch (e) {
      return (e as CatalogError).problems;
    }
  };

  it('accepts a write with a complete effect key and cumulative limits on effect-key arguments', () => {
    expect(problemsOf([reader, write({ approval: { cumulative: [{ per: 'case', amountAbove: 50 }, { per: ['invoiceId'], callsAbove: 2 }, { per: 'tenant-day', amountAbove: 500 }] } })])).toEqual([]);
  });

  it.each([
    ['misses the tenant', { effectKey: ['invoiceId', 'amount'] }, 'tool pay: effectKey must include "tenantId" (tenant argument, path parameters and amountField identify the effect)'],
    ['misses a path parameter', { effectKey: ['tenantId', 'amount'] }, 'tool pay: effectKey must include "invoiceId" (tenant argument, path parameters and amountField identify the effect)'],
    ['misses the amount', { effectKey: ['tenantId', 'invoiceId'] }, 'tool pay: effectKey must include "amount" (tenant argument, path parameters and amountField identify the effect)'],
    ['names an unknown argument', { effectKey: ['tenantId', 'invoiceId', 'amount', 'nope'] }, 'tool pay: effectKey argument "nope" is not an input property'],
    ['limits per a non-key argument', { approval: { cumulative: [{ per: ['memo'], amountAbove: 5 }] } }, 'tool pay: cumulative limit per "memo" must name an effectKey argument'],
    ['limits amounts without an amountField', { amountField: undefined, effectKey: ['tenantId', 'invoiceId'], approval: { cumulative: [{ per: 'case', amountAbove: 5 }] } }, 'tool pay: cumulative amountAbove needs an amountField'],
    ['gives both bounds', { approval: { cumulative: [{ per: 'case', amountAbove: 5, callsAbove: 1 }] } }, 'tool pay: approval.cumulative.0: give exactly one of amountAbove / callsAbove'],
    ['has an empty approval object', { approval: {} }, 'tool pay: approval: give above and/or cumulative'],
  ])('refuses a write tool whose effect key or limits %s', (_label, over, problem) => {
    const problems = problemsOf([reader, write(over)]);
    expect(problems).toContain(problem);
  });

  it('accepts a preview over a read tool and refuses one naming unknown tools or arguments, or on a read tool', () => {
    const preview = (over: Record<string, unknown>) => ({ tool: 'get_tenant', arguments: { tenantId: 'tenantId' }, fields: [{ path: 'balance', label: 'Balance', after: { minusArgument: 'amount' } }], ...over });
    expect(problemsOf([reader, write({ preview: preview({}) })])).toEqual([]);
    expect(problemsOf([reader, write({ preview: preview({ tool: 'get_nothing' }) })])).toContain('tool pay: preview tool "get_nothing" does not exist');
    expect(problemsOf([reader, write({ preview: preview({ tool: 'pay' }) })])).toContain('tool pay: preview tool "pay" must be a read tool');
    expect(problemsOf([reader, write({ preview: preview({ arguments: { tenantId: 'nope' } }) })])).toContain('tool pay: preview argument "tenantId" refers to unknown argument "nope"');
    expect(problemsOf([reader, write({ preview: preview({ fields: [{ path: 'balance', after: { plusArgument: 'fee' } }] }) })])).toContain('tool pay: preview field "balance" refers to unknown argument "fee"');
    expect(problemsOf([reader, write({ preview: preview({ fields: [{ path: 'balance', after: { plusArgument: 'amount', equals: 1 } }] }) })]).join('\n')).toContain('give exactly one of equals / equalsArgument / plusArgument / minusArgument');
    expect(problemsOf([{ ...reader, preview: preview({}) }])).toContain('tool get_tenant: only write tools have a preview');
  });

  it('refuses an effect key on a read tool, and a tenant argument that is missing, optional or not a string', () => {
    expect(problemsOf([{ ...reader, effectKey: ['tenantId'] }])).toEqual(['tool get_tenant: only write tools have an effectKey']);
    expect(problemsOf([{ ...reader, input: { type: 'object', properties: { tenantId: { type: 'string' } } } }])).toEqual([
      'tool get_tenant: input must have a required string "tenantId" property (the tenant argument; set tenantArgument to name another)',
      'tool get_tenant: path parameter {tenantId} must be a required input property',
    ]);
    expect(problemsOf([{ ...reader, http: { method: 'GET', path: '/t' }, input: { type: 'object', required: ['tenantId'], properties: { tenantId: { type: 'integer' } } } }])).toHaveLength(1);
    const org = { ...reader, tenantArgument: 'org', http: { method: 'GET', path: '/o/{org}' }, input: { type: 'object', required: ['org'], properties: { org: { type: 'string' } } } };
    expect(problemsOf([org])).toEqual([]);
  });
});
