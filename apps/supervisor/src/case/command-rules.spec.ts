import type { CaseStatus } from '@switchboard/contracts';
import type { CaseState } from './case.types';
import { commandBlocker, type CommandRequest } from './command-rules';

const STATUSES: CaseStatus[] = ['RECEIVED', 'TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'AWAITING_APPROVAL', 'VERIFYING', 'RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED'];
const NEUTRAL = 'Thanks for your patience; an engineer is looking into this and will reply today.';

function caseWith(over: Partial<CaseState>): CaseState {
  return {
    caseId: 'case_1', tenantId: 'acme', run: 1, status: 'ESCALATED', ticket: { externalId: 'ZD-1', requester: { email: 'ops@acme.example' } },
    ...over,
  } as CaseState;
}
/** An unassigned case in `status`; where it waits for an approval, apr_1 is the one pending. */
const inStatus = (status: CaseStatus) => caseWith({ status, ...(status === 'AWAITING_APPROVAL' ? { approval: { approvalId: 'apr_1', tool: 'issue_refund', arguments: {}, reason: 'above 100' } } : {}) } as Partial<CaseState>);

describe('commandBlocker', () => {
  const open = STATUSES.filter((s) => s !== 'RESOLVED' && s !== 'CLOSED');
  // Where each command by ana applies (on a case otherwise as `over` says); everywhere else it is refused.
  it.each<[string, CaseStatus[], CommandRequest, Partial<CaseState>]>([
    ['approve', ['AWAITING_APPROVAL'], { command: 'approve', approvalId: 'apr_1' }, {}],
    ['reject', ['AWAITING_APPROVAL'], { command: 'reject', approvalId: 'apr_1', reason: 'too much' }, {}],
    ['take_over', open, { command: 'take_over' }, {}],
    ['close', open, { command: 'close' }, {}],
    ['rerun', ['ESCALATED', 'FAILED'], { command: 'rerun' }, {}],
    ['claim', open, { command: 'claim' }, {}],
    ['release of an unassigned case', [], { command: 'release' }, {}],
    ['release of her own case', open, { command: 'release' }, { assignee: 'ana' }],
    ['reassign', open, { command: 'reassign', to: 'bob' }, {}],
    ['send_reply', ['ESCALATED'], { command: 'send_reply', body: NEUTRAL, run: 1 }, {}],
    ['send_reply without a run', ['ESCALATED'], { command: 'send_reply', body: NEUTRAL }, {}],
  ])('%s applies in exactly %j', (_name, allowed, command, over) => {
    const applies = STATUSES.filter((status) => commandBlocker({ ...inStatus(status), ...over }, command, 'ana') === undefined);
    expect(applies).toEqual(allowed);
  });

  it('tells the trace and the sender why a closed or resolved case takes nothing', () => {
    expect(commandBlocker(inStatus('CLOSED'), { command: 'rerun' }, 'ana')).toEqual({ kind: 'conflict', why: 'case is CLOSED', message: 'case is CLOSED; nothing to rerun' });
    expect(commandBlocker(inStatus('RESOLVED'), { command: 'claim' }, 'ana')).toMatchObject({ kind: 'conflict', why: 'case is RESOLVED' });
  });

  it('names the pending approval and the status a decision did not fit', () => {
    expect(commandBlocker(inStatus('AWAITING_APPROVAL'), { command: 'approve', approvalId: 'apr_other' }, 'ana'))
      .toEqual({ kind: 'conflict', why: 'no pending approval apr_other on this case (status AWAITING_APPROVAL)' });
    expect(commandBlocker(inStatus('ESCALATED'), { command: 'reject', approvalId: 'apr_1', reason: 'no' }, 'ana'))
      .toEqual({ kind: 'conflict', why: 'no pending approval apr_1 on this case (status ESCALATED)' });
    expect(commandBlocker(inStatus('RESOLVING'), { command: 'rerun' }, 'ana')).toEqual({ kind: 'conflict', why: 'only an escalated or failed case can be re-run (status RESOLVING)' });
  });

  it('keeps assignment to the assignee: claim, release and reassign', () => {
    const anas = caseWith({ status: 'RESOLVING', assignee: 'ana' });
    expect(commandBlocker(anas, { command: 'claim' }, 'bob')).toEqual({ kind: 'assigned_to_other', why: 'assigned to ana', assignee: 'ana' });
    expect(commandBlocker(anas, { command: 'claim' }, 'ana')).toEqual({ kind: 'conflict', why: 'already assigned to ana', message: 'this case is already assigned to you' });
    expect(commandBlocker(anas, { command: 'release' }, 'ana')).toBeUndefined();
    expect(commandBlocker(anas, { command: 'release' }, 'bob'))
      .toEqual({ kind: 'conflict', why: 'assigned to ana, not bob', message: 'this case is assigned to ana, not to you; reassign it instead' });
    expect(commandBlocker(inStatus('RESOLVING'), { command: 'release' }, 'bob')).toEqual({ kind: 'conflict', why: 'not assigned', message: 'this case is not assigned' });
    expect(commandBlocker(anas, { command: 'reassign', to: 'bob' }, 'bob')).toBeUndefined();
    expect(commandBlocker(anas, { command: 'reassign', to: 'ana' }, 'bob')).toEqual({ kind: 'conflict', why: 'this case is already assigned to ana' });
    // Anyone may take a case over, assigned or not.
    expect(commandBlocker(anas, { command: 'take_over' }, 'bob')).toBeUndefined();
  });

  it('holds a reply to the assignee, the run it was checked against and the run\'s evidence', () => {
    const bobs = caseWith({ assignee: 'bob', run: 2 });
    expect(commandBlocker(bobs, { command: 'send_reply', body: NEUTRAL, run: 2 }, 'ana')).toEqual({ kind: 'assigned_to_other', why: 'assigned to bob', assignee: 'bob' });
    expect(commandBlocker(bobs, { command: 'send_reply', body: NEUTRAL, run: 1 }, 'bob'))
      .toEqual({ kind: 'conflict', why: 'the reply was checked against run 1; the case is at run 2' });
    const claims = commandBlocker(bobs, { command: 'send_reply', body: `We refunded invoice inv_9. ${NEUTRAL}`, run: 2 }, 'bob');
    expect(claims).toEqual({ kind: 'unsupported_claims', why: expect.stringMatching(/^unsupported claims: .*"We refunded invoice inv_9\."/), unsupported: [expect.stringContaining('"We refunded invoice inv_9."')] });
  });
});
