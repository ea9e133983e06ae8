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
    expect(acme.get('issue_refund')!.def).toMatchObject({ scope: 'write', risk: 'high', amountField: 'amount', approval: { above: 100 } });
    for (const t of acme.all().filter((x) => x.def.scope === 'write')) expect(t.descriptor.readBack).toBeDefined();
    expect(acme.get('get_tenant')!.rateLimit).toEqual({ capacity: 20, refillPerSecond: 2 });
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
      compileCatalog(bad, { backends: ['acme'], defaultRateLimit: { capacity: 1, refillPerSecond: 1 } });
    } catch (e) {
      error = e as CatalogError;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect(error!.problems).toEqual(expect.arrayContaining([
      'tool no_tenant: input must have a required "tenantId" property',
      'tool no_tenant: path parameter {id} must be a required input property',
      'tool write_without_readback: backend "crm" is not configured (known: acme)',
      'tool write_without_readback: approval { above } needs an amountField',
      'tool write_without_readback: write tools need a readBack check for the verifier',
    ]));
    expect(error!.problems.some((p) => p.startsWith('tool Bad Name: name'))).toBe(true);
  });
});
