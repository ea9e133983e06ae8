import { ProcedureSchema } from '@switchboard/contracts';
import { simulate } from './simulation';

const procedure = (reply: string) => ProcedureSchema.parse({
  id: 'reset', version: 1, intent: 'dashboard_cache', title: 'Reset', description: 'The dashboard is blank after a change.',
  steps: [{ id: 'reset', write: 'reset_tenant_cache', with: { tenantId: 'ticket.tenantId' } }],
  success: [{ id: 'fresh', read: 'get_cache_status', with: { tenantId: 'ticket.tenantId' }, expect: 'result.status == "fresh"', says: 'fresh', topics: ['cache', 'fixed'] }],
  reply,
  tests: [{ name: 'resets', world: { reset_tenant_cache: { result: { version: 2 } }, get_cache_status: { result: { status: 'fresh', version: 2 } } }, expect: { outcome: 'resolved', writes: ['reset_tenant_cache'] } }],
});

describe('simulate', () => {
  it('passes a reply that claims only what the run proved', async () => {
    const p = procedure('We reset your tenant cache (version ${steps.reset.version}).');
    expect(await simulate(p, p.tests[0]!)).toEqual(expect.objectContaining({ passed: true, verified: true, writes: ['reset_tenant_cache'] }));
  });

  it('fails a reply template that claims more than the run proved, in any wording', async () => {
    const p = procedure('We reset your cache and have sent the money back to your card.');
    const result = await simulate(p, p.tests[0]!);
    expect(result.passed).toBe(false);
    expect(result.problems.join('\n')).toContain('the reply claims what the verifier cannot confirm');
  });

  it('reports an outcome, writes or verification other than expected', async () => {
    const p = procedure('We reset your tenant cache.');
    const stale = { ...p.tests[0]!, world: { reset_tenant_cache: { result: {} }, get_cache_status: { result: { status: 'stale' } } } };
    const result = await simulate(p, stale);
    expect(result.problems).toEqual([expect.stringContaining('expected the success checks to pass')]);
  });
});
