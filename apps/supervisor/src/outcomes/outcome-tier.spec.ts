import type { AgentResult, DeliveryStatus, SupervisorCommand, TicketEvent, TicketSignal } from '@switchboard/contracts';
import { decide, initialCase } from '../case/case.machine';
import type { CaseEvent, CaseState, TraceEntry } from '../case/case.types';
import { PolicySchema, type Policy } from '../policy/policy.schema';
import { outcomeTier, type TierTraceRow } from './outcome-tier';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const ticket: TicketEvent = {
  externalId: '4711', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'ops@acme.example' }, subject: 'Refund please',
  body: 'Please refund invoice inv_9.', priority: 'normal', tags: [], receivedAt: T0.toISOString(), metadata: {},
};
const by = { userId: 'ana', role: 'supervisor' as const };
const usage = { llmCalls: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.01 };
const triage = { intent: 'refund', priority: 'normal', confidence: 0.99, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 's', redactedBody: 'b' };
const resolved = { decision: 'resolved', summary: 'Refunded inv_9', draftReply: 'We refunded inv_9.', steps: [], actions: [{ toolCallId: 'c1', tool: 'issue_refund', arguments: {}, executed: true }], findings: [] };
const held = { ...resolved, decision: 'needs_approval', actions: [], pendingApproval: { approvalId: 'apr_1', tool: 'issue_refund', arguments: { invoiceId: 'inv_9' }, reason: 'over 100' } };
const verified = { verified: true, evidence: [{ tool: 'get_invoice', arguments: {}, expected: 'refunded', observed: 'refunded', passed: true, check: 'invoice_refunded' }], unsupportedClaims: [] };

/** Drives a case through the real machine, keeping the trace rows as the repository would (with ids). */
class Case {
  state: CaseState;
  readonly trace: TierTraceRow[] = [];
  private n = 0;
  constructor(private readonly policy: Policy) {
    this.state = initialCase(ticket, { caseId: 'case_000000000000000000000001', correlationId: 'c' }, policy, T0);
    this.apply({ kind: 'ticket_received', messageId: 'm0' });
  }
  apply(event: CaseEvent): this {
    const d = decide(this.state, event, this.policy, T0);
    this.state = d.state;
    this.trace.push(...d.trace.map((t: TraceEntry) => ({ id: String(++this.n), kind: t.kind, agent: t.agent ?? null, data: t.data })));
    return this;
  }
  answer(output: unknown): this {
    const task = this.state.outstanding!;
    return this.apply({ kind: 'agent_result', messageId: `r${++this.n}`, result: { agent: task.agent, taskId: task.taskId, status: 'ok', output, usage, toolErrors: 0 } as AgentResult });
  }
  command(command: SupervisorCommand): this {
    return this.apply({ kind: 'command', messageId: `c${++this.n}`, command });
  }
  helpdesk(event: { delivery: DeliveryStatus } | { signal: TicketSignal }): this {
    return this.apply('delivery' in event ? { kind: 'helpdesk_delivery', messageId: `h${++this.n}`, delivery: event.delivery } : { kind: 'helpdesk_signal', messageId: `h${++this.n}`, signal: event.signal });
  }
  get outcome() {
    return outcomeTier(this.state, this.trace);
  }
}

const policy = (defaultMode: string, over: Record<string, unknown> = {}) => PolicySchema.parse({ version: 1, defaultMode, ...over });
const autonomous = () => new Case(policy('autonomous'));
const reply = (status: 'delivered' | 'failed', run = 1): { delivery: DeliveryStatus } => ({
  delivery: {
    deliveryId: 'dlv_000000000000000000000001', kind: 'reply', run, target: 'zendesk', status, attempts: 1, recovered: false, at: T0.toISOString(),
    ...(status === 'failed' ? { reason: { code: 'HELPDESK.TICKET_NOT_FOUND', message: 'ticket deleted' } } : {}),
  },
});
const reopen: { signal: TicketSignal } = { signal: { signal: 'reopened', eventId: 'zd_audit_9', ticket: { source: 'zendesk', externalId: '4711' }, at: T0.toISOString(), previousStatus: 'solved' } };

describe('outcome tier', () => {
  it('has no tier while the run is in progress or waits for an approval', () => {
    const sut = autonomous();
    expect(sut.outcome).toBeNull();
    sut.answer(triage).answer({ passages: [] }).answer(held);
    expect(sut.state.status).toBe('AWAITING_APPROVAL');
    expect(sut.outcome).toBeNull();
    expect(sut.state.tier).toBeUndefined();
  });

  it('verified_autonomous: resolved with passing read-backs and no human decision, linked to the verifier result', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer(verified);
    const verifierRow = sut.trace.find((r) => r.kind === 'result' && r.agent === 'verifier')!;
    expect(sut.outcome).toEqual({
      tier: 'verified_autonomous', run: 1,
      evidence: [{ kind: 'verifier_readback', checks: 1, passed: 1, traceId: verifierRow.id, readbacks: [{ tool: 'get_invoice', check: 'invoice_refunded', passed: true }] }],
    });
    expect(sut.state.tier).toBe('verified_autonomous');
  });

  it('resolved_after_approval: the approval decision (who, which write) is evidence beside the read-backs', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(held)
      .command({ command: 'approve', approvalId: 'apr_1', by }).answer(resolved).answer(verified);
    const commandRow = sut.trace.find((r) => r.kind === 'command')!;
    expect(sut.outcome).toMatchObject({
      tier: 'resolved_after_approval',
      evidence: [{ kind: 'verifier_readback', passed: 1 }, { kind: 'approval', approvalId: 'apr_1', tool: 'issue_refund', by: 'ana', at: T0.toISOString(), traceId: commandRow.id }],
    });
    expect(sut.state.tier).toBe('resolved_after_approval');
  });

  it('a rejected approval is escalated, with its breaker', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(held).command({ command: 'reject', approvalId: 'apr_1', reason: 'no', by });
    expect(sut.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'approval_rejected' }] });
  });

  it('assisted: an assist or shadow hand-off with no breaker; a breaker in those modes is still an escalation', () => {
    const assist = new Case(policy('assist')).answer(triage).answer({ passages: [] });
    expect(assist.outcome).toMatchObject({ tier: 'assisted', evidence: [{ kind: 'mode', mode: 'assist' }, { kind: 'escalation', reason: expect.stringContaining('assist mode') }] });
    const shadow = new Case(policy('shadow')).answer(triage).answer({ passages: [] }).answer(resolved);
    expect(shadow.outcome).toMatchObject({ tier: 'assisted', evidence: [{ kind: 'mode', mode: 'shadow' }, expect.anything()] });
    const unsure = new Case(policy('shadow', { minConfidence: { autonomous: 0.95, assist: 0, shadow: 0.999 } })).answer(triage);
    expect(unsure.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'low_confidence' }] });
  });

  it('escalated: a failed verification names the breaker and the reason', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer({ ...verified, verified: false, evidence: [{ ...verified.evidence[0], passed: false }] });
    expect(sut.state.status).toBe('ESCALATED');
    expect(sut.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'unverified', reason: expect.stringContaining('verifier') }] });
  });

  it('reopened: a helpdesk reopen after the resolution moves the tier, with the signal as evidence', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer(verified).helpdesk(reply('delivered'));
    expect(sut.state.tier).toBe('verified_autonomous');
    sut.helpdesk(reopen);
    const signalRow = sut.trace.find((r) => r.data['event'] === 'helpdesk_reopened')!;
    expect(sut.state.tier).toBe('reopened');
    expect(sut.outcome).toMatchObject({ tier: 'reopened', evidence: [{ kind: 'helpdesk_signal', signal: 'reopened', eventId: 'zd_audit_9', traceId: signalRow.id }, { kind: 'verifier_readback' }] });
  });

  it('a reopen while a human works the ticket is not a reopened resolution', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer({ ...verified, verified: false }).helpdesk(reopen);
    expect(sut.outcome!.tier).toBe('escalated');
  });

  it('undelivered: a resolution whose reply failed for good; delivered again, it is verified again', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer(verified).helpdesk(reply('failed'));
    expect(sut.outcome).toMatchObject({ tier: 'undelivered', evidence: [{ kind: 'helpdesk_delivery', delivery: 'reply', status: 'failed', reason: 'HELPDESK.TICKET_NOT_FOUND: ticket deleted' }, { kind: 'verifier_readback' }] });
    sut.helpdesk(reply('delivered'));
    expect(sut.outcome!.tier).toBe('verified_autonomous');
  });

  it('a human re-run that then resolves is not autonomous; the re-run is the evidence', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer({ ...resolved, decision: 'escalate', draftReply: '', actions: [] });
    expect(sut.outcome!.tier).toBe('escalated');
    sut.command({ command: 'rerun', hint: 'try again', by }).answer(resolved).answer(verified);
    expect(sut.outcome).toMatchObject({ tier: 'resolved_after_approval', run: 2, evidence: [{ kind: 'verifier_readback' }, { kind: 'rerun', run: 2 }] });
  });

  it('closed by a human, or FAILED, is escalated', () => {
    const closed = autonomous().answer(triage).answer({ passages: [] }).answer(held).command({ command: 'close', note: 'by phone', by });
    expect(closed.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'closed' }] });
    const failed = autonomous().apply({ kind: 'internal_failure', messageId: 'x', error: { code: 'SUPERVISOR.BUG', category: 'system', message: 'bug' } });
    expect(failed.outcome).toMatchObject({ tier: 'escalated', evidence: [{ kind: 'escalation', breaker: 'internal_failure' }] });
  });

  it('derives the tier from the state alone when no trace is given (what the machine stores)', () => {
    const sut = autonomous().answer(triage).answer({ passages: [] }).answer(resolved).answer(verified);
    expect(outcomeTier(sut.state)).toEqual({ tier: 'verified_autonomous', run: 1, evidence: [{ kind: 'verifier_readback', checks: 1, passed: 1 }] });
  });
});
