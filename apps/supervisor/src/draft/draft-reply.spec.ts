import type { Action, VerifierOutput } from '@switchboard/contracts';
import type { CaseState } from '../case/case.types';
import { draftView, provenFacts, replyBlocker, reviewDraft } from './draft-reply';

const actions: Action[] = [
  { toolCallId: 'c1', tool: 'reset_tenant_cache', arguments: { tenantId: 'acme' }, executed: true },
  { toolCallId: 'c2', tool: 'issue_refund', arguments: { invoiceId: 'inv_9', amount: 150 }, executed: true },
  { toolCallId: 'c3', tool: 'toggle_feature_flag', arguments: { flag: 'new_dashboard', enabled: false }, executed: false },
];
const out: VerifierOutput = {
  verified: false, unsupportedClaims: [], reason: 'refund not visible',
  evidence: [
    { tool: 'get_cache_status', arguments: {}, expected: 'fresh', observed: 'fresh', passed: true, forAction: 'c1' },
    { tool: 'get_invoice', arguments: {}, expected: 150, observed: 0, passed: false, forAction: 'c2' },
    { tool: 'get_tenant', arguments: {}, expected: 'ok', observed: { dashboard: 'ok', blob: 'x'.repeat(3000) }, passed: true, check: 'dashboard-renders' },
  ],
};

function caseWith(over: Partial<CaseState>): CaseState {
  return {
    caseId: 'case_1', tenantId: 'acme', run: 1, status: 'ESCALATED', ticket: { externalId: 'ZD-1', requester: { email: 'ops@acme.example' } },
    ...over,
  } as CaseState;
}

describe('draft replies', () => {
  it('proves only the writes whose every read-back passed, and passed checks with their declared topics', () => {
    expect(provenFacts(actions, out, [{ id: 'dashboard-renders', topics: ['dashboard', 'fixed'] } as never])).toEqual({
      verifiedActions: [{ tool: 'reset_tenant_cache', arguments: { tenantId: 'acme' } }],
      // An observed value too large to keep is dropped: it then backs no number, never more.
      passedChecks: [{ id: 'dashboard-renders', tool: 'get_tenant', topics: ['dashboard', 'fixed'] }],
    });
  });

  it('reviews a human reply against the stored proof: the refund whose read-back failed cannot be claimed', () => {
    const s = caseWith({ verification: { verified: false, evidence: 3, passed: 2, proof: provenFacts(actions, out, []) } });
    expect(reviewDraft(s, 'We reset your tenant cache for acme.').unsupported).toEqual([]);
    expect(reviewDraft(s, 'We refunded invoice inv_9.').unsupported).toEqual([expect.stringContaining('"We refunded invoice inv_9."')]);
    expect(reviewDraft(caseWith({}), 'We reset your tenant cache.').unsupported).toHaveLength(1);
  });

  it('says why a reply cannot be sent: status, someone else on the case, another run', () => {
    expect(replyBlocker(caseWith({}), 'ana')).toBeUndefined();
    expect(replyBlocker(caseWith({ assignee: 'ana' }), 'ana', 1)).toBeUndefined();
    expect(replyBlocker(caseWith({ status: 'AWAITING_APPROVAL' }), 'ana')).toEqual({ why: 'only an escalated case is answered from the console (status AWAITING_APPROVAL)' });
    expect(replyBlocker(caseWith({ assignee: 'bob' }), 'ana')).toEqual({ why: 'assigned to bob', assignee: 'bob' });
    expect(replyBlocker(caseWith({ run: 2 }), 'ana', 1)).toEqual({ why: 'the reply was checked against run 1; the case is at run 2' });
  });

  it('offers the agents\' draft of the run, or none', () => {
    expect(draftView(caseWith({}))).toEqual({ proposed: null, run: 1, evidence: { actions: 0, checks: 0 } });
    expect(draftView(caseWith({ resolution: { decision: 'escalate', summary: '', draftReply: 'Hi', actions: [] } })).proposed).toBe('Hi');
  });
});
