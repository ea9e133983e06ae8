import { join } from 'node:path';
import type { AgentResult, ResolverOutput, SupervisorCommand, TicketEvent, TriageOutput, VerifierOutput } from '@switchboard/contracts';
import { loadProcedureSet, ProcedureSet } from '@switchboard/procedures';
import { PolicySchema, type Policy } from '../policy/policy.schema';
import { decide, dueAt, initialCase, taskIdFor } from './case.machine';
import type { CaseEvent, CaseState, Decision } from './case.types';
import { applyDelta, diffCore } from './checkpoint';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const ticket: TicketEvent = {
  externalId: 'ZD-1', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'ops@acme.example' },
  subject: 'Dashboard blank', body: 'Since the flag was switched on, the dashboard is blank.', priority: 'normal', tags: [],
  receivedAt: T0.toISOString(), metadata: {},
};

function policyOf(overrides: Record<string, unknown> = {}): Policy {
  return PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 1000, factor: 2 }, ...overrides });
}

const triageOut = (over: Partial<TriageOutput> = {}): TriageOutput => ({
  intent: 'dashboard_cache', priority: 'normal', confidence: 0.99, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
  injectionRisk: 'none', summary: 'Blank dashboard after flag', redactedBody: 'Since the flag…', ...over,
});
const resolverOut = (over: Partial<ResolverOutput> = {}): ResolverOutput => ({
  decision: 'resolved', summary: 'Flushed the dashboard cache', draftReply: 'We flushed your cache; please reload.',
  steps: [], actions: [{ toolCallId: 'c1', tool: 'flush_cache', arguments: { tenantId: 'acme' }, executed: true }], findings: [], ...over,
});
const verifierOut = (over: Partial<VerifierOutput> = {}): VerifierOutput => ({
  verified: true, evidence: [{ tool: 'get_cache_status', arguments: {}, expected: 'empty', observed: 'empty', passed: true }], unsupportedClaims: [], ...over,
});
const usage = { llmCalls: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.01 };
const SHIPPED = loadProcedureSet(join(__dirname, '..', '..', '..', '..', 'procedures'));

function ok(state: CaseState, output: unknown, extra: Partial<AgentResult> = {}): CaseEvent {
  const task = state.outstanding!;
  return { kind: 'agent_result', messageId: `res-${task.taskId}`, result: { agent: task.agent, taskId: task.taskId, status: 'ok', output, usage, toolErrors: 0, ...extra } as AgentResult };
}
function failed(state: CaseState, category: 'user' | 'system' | 'third_party', code = 'AGENT.BROKEN'): CaseEvent {
  const task = state.outstanding!;
  return { kind: 'agent_result', messageId: `fail-${task.taskId}-${state.seq}`, result: { agent: task.agent, taskId: task.taskId, status: 'failed', error: { code, category, message: 'boom' }, usage, toolErrors: 0 } as AgentResult };
}
const cmd = (command: SupervisorCommand, id = `cmd-${command.command}`): CaseEvent => ({ kind: 'command', messageId: id, command });
const by = { userId: 'ana', role: 'supervisor' as const };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Runs a case through events, returning every decision. */
class Run {
  state: CaseState;
  last!: Decision;
  readonly all: Decision[] = [];
  constructor(readonly policy: Policy, t: TicketEvent = ticket, readonly procedures: ProcedureSet = SHIPPED) {
    this.state = initialCase(t, { caseId: 'case_000000000000000000000001', correlationId: 'case_000000000000000000000001' }, policy, T0);
    this.apply({ kind: 'ticket_received', messageId: 'msg-ticket' });
  }
  apply(event: CaseEvent | ((s: CaseState) => CaseEvent), now = T0): Decision {
    // Frozen, so every test also checks that a decision edits neither the state it starts from (the cache keeps it
    // until the write commits) nor the event (an agent's output becomes part of the new state).
    const e = deepFreeze(typeof event === 'function' ? event(this.state) : event);
    this.last = decide(deepFreeze(this.state), e, this.policy, now, this.procedures);
    this.state = this.last.state;
    this.all.push(this.last);
    return this.last;
  }
  topics(): string[] {
    return this.last.emit.map((m) => m.topic);
  }
  toResolving(): this {
    this.apply((s) => ok(s, triageOut()));
    this.apply((s) => ok(s, { passages: [] }));
    return this;
  }
}

describe('case machine', () => {
  it('runs the happy path to RESOLVED with a verified reply and one outcome', () => {
    const sut = new Run(policyOf());
    expect(sut.state.status).toBe('RECEIVED');
    expect(sut.topics()).toEqual(['agent.triage.tasks']);
    expect(sut.state.outstanding!.taskId).toBe(taskIdFor(sut.state.caseId, 'msg-ticket', 1));

    sut.apply((s) => ok(s, triageOut()));
    expect(sut.state.status).toBe('TRIAGED');
    expect(sut.topics()).toEqual(['agent.retrieval.tasks']);

    sut.apply((s) => ok(s, { passages: [] }));
    expect(sut.last.transitions.map((t) => t.to)).toEqual(['CONTEXT_READY', 'RESOLVING']);
    const resolverTask = sut.last.emit[0]!;
    expect(resolverTask.topic).toBe('agent.resolver.tasks');
    // The token names only the intent's allow-list, never every tool.
    expect('token' in resolverTask && resolverTask.token).toMatchObject({ scopes: ['read', 'write'], tools: SHIPPED.allowedTools('dashboard_cache') });
    expect(resolverTask.payload).toMatchObject({ procedures: [expect.objectContaining({ id: 'dashboard-cache-reset' })], ticket: { tenantId: 'acme', externalId: 'ZD-1', requesterEmail: 'ops@acme.example' } });
    // The procedure as the set holds it, without its tests (they are for `procedures test`, not for running a case).
    const shipped = SHIPPED.find('dashboard-cache-reset', 1)!;
    expect(shipped.tests.length).toBeGreaterThan(0);
    expect((resolverTask.payload as { procedures: unknown[] }).procedures).toEqual([{ ...shipped, tests: [] }]);
    // The pure decision requests the token; it holds no placeholder for it (the case service mints and adds it).
    expect(resolverTask.payload).not.toHaveProperty('gatewayToken');

    sut.apply((s) => ok(s, resolverOut({ procedure: { id: 'dashboard-cache-reset', version: 1 }, slots: {} })));
    expect(sut.state.status).toBe('VERIFYING');
    const verifierTask = sut.last.emit[0]!;
    expect('token' in verifierTask && verifierTask.token!.scopes).toEqual(['read']);
    expect(verifierTask.payload).toMatchObject({ decision: 'resolved', procedure: { id: 'dashboard-cache-reset', version: 1 }, success: SHIPPED.successChecks('dashboard_cache', SHIPPED.find('dashboard-cache-reset', 1)) });

    sut.apply((s) => ok(s, verifierOut()));
    expect(sut.state.status).toBe('RESOLVED');
    expect(sut.topics()).toEqual(['tickets.replies', 'tickets.outcomes']);
    const outcome = sut.last.emit[1]!.payload as { status: string; verified: boolean };
    expect(outcome).toMatchObject({ status: 'RESOLVED', verified: true });
    expect(sut.state.counters).toMatchObject({ iterations: 4, tokens: 600, llmCalls: 4 });
    expect(dueAt(sut.state)).toBeNull();
  });

  it('is deterministic: the same state and event give the same decision', () => {
    const a = new Run(policyOf()).toResolving();
    const b = new Run(policyOf()).toResolving();
    expect(a.state).toEqual(b.state);
    expect(decide(a.state, ok(a.state, resolverOut()), a.policy, T0)).toEqual(decide(b.state, ok(b.state, resolverOut()), b.policy, T0));
  });

  it('records and ignores stale results and duplicate tickets', () => {
    const sut = new Run(policyOf());
    const before = sut.state.outstanding;
    sut.apply({ kind: 'agent_result', messageId: 'x', result: { agent: 'triage', taskId: 'task_other', status: 'ok', output: triageOut(), usage, toolErrors: 0 } });
    expect(sut.last.emit).toEqual([]);
    expect(sut.last.transitions).toEqual([]);
    expect(sut.state.outstanding).toEqual(before);
    expect(sut.state.counters.stale).toBe(1);
    sut.apply({ kind: 'duplicate_ticket', messageId: 'dup' });
    expect(sut.last.emit).toEqual([]);
    expect(sut.state.counters.duplicates).toBe(1);
    sut.apply({ kind: 'ticket_received', messageId: 'again' });
    expect(sut.last.emit).toEqual([]);
  });

  describe('policy decisions', () => {
    it('escalates low triage confidence in autonomous mode, with a handoff packet', () => {
      const sut = new Run(policyOf());
      sut.apply((s) => ok(s, triageOut({ confidence: 0.9 })));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.breaker).toBe('low_confidence');
      const outcome = sut.last.emit.find((m) => m.topic === 'tickets.outcomes')!.payload as { handoff: { findings: unknown[]; asked: string } };
      expect(outcome.handoff.findings).toHaveLength(1);
      expect(outcome.handoff.asked).toContain('Dashboard blank');
    });

    it('continues a shadow case with the same confidence, read-only, and ends with an internal note', () => {
      const sut = new Run(policyOf({ defaultMode: 'shadow' }));
      sut.apply((s) => ok(s, triageOut({ confidence: 0.5 })));
      sut.apply((s) => ok(s, { passages: [] }));
      const task = sut.last.emit[0]!;
      expect(task.topic).toBe('agent.resolver.tasks');
      expect('token' in task && task.token!.scopes).toEqual(['read']);
      expect((task.payload as { mode: string }).mode).toBe('shadow');
      sut.apply((s) => ok(s, resolverOut({ actions: [{ toolCallId: 'c1', tool: 'flush_cache', arguments: { tenantId: 'acme' }, executed: false }] })));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.topics()).toEqual(['tickets.internal-notes', 'tickets.outcomes']);
      const note = sut.last.emit[0]!.payload as { proposedActions: Array<{ tool: string }>; body: string };
      expect(note.proposedActions).toEqual([{ tool: 'flush_cache', arguments: { tenantId: 'acme' } }]);
      expect(note.body).toContain('Draft reply');
      expect((sut.last.emit[1]!.payload as { reason: string }).reason).toMatch(/^shadow mode/);
    });

    it('flags a write that ran in shadow mode', () => {
      const sut = new Run(policyOf({ defaultMode: 'shadow' })).toResolving();
      sut.apply((s) => ok(s, resolverOut()));
      expect(sut.last.trace.some((t) => t.data.event === 'policy_violation')).toBe(true);
    });

    it('stops an assist case after context: no resolver, internal note, escalated', () => {
      const sut = new Run(policyOf({ defaultMode: 'assist' }));
      sut.apply((s) => ok(s, triageOut()));
      sut.apply((s) => ok(s, { passages: [] }));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.topics()).toEqual(['tickets.internal-notes', 'tickets.outcomes']);
      expect(sut.all.flatMap((d) => d.emit).some((m) => m.topic === 'agent.resolver.tasks')).toBe(false);
    });

    it('downgrades to shadow on high injection risk, or escalates at once when configured', () => {
      const downgraded = new Run(policyOf());
      downgraded.apply((s) => ok(s, triageOut({ injectionRisk: 'high' })));
      expect(downgraded.state.mode).toBe('shadow');
      downgraded.apply((s) => ok(s, { passages: [] }));
      const task = downgraded.last.emit[0]!;
      expect('token' in task && task.token!.scopes).toEqual(['read']);

      const escalated = new Run(policyOf({ onHighInjectionRisk: 'escalate' }));
      escalated.apply((s) => ok(s, triageOut({ injectionRisk: 'high' })));
      expect(escalated.state.status).toBe('ESCALATED');
      expect(escalated.state.escalation!.breaker).toBe('injection_risk');
    });

    it('never replies to an unverified resolution', () => {
      for (const out of [verifierOut({ verified: false, reason: 'cache still full' }), verifierOut({ evidence: [{ tool: 't', arguments: {}, expected: 1, observed: 2, passed: false }] }), verifierOut({ unsupportedClaims: ['refund sent'] })]) {
        const sut = new Run(policyOf()).toResolving();
        sut.apply((s) => ok(s, resolverOut()));
        sut.apply((s) => ok(s, out));
        expect(sut.state.status).toBe('ESCALATED');
        expect(sut.state.escalation!.breaker).toBe('unverified');
        expect(sut.all.flatMap((d) => d.emit).some((m) => m.topic === 'tickets.replies')).toBe(false);
      }
    });

    it('escalates when the resolver finishes with nothing to send, or escalates itself', () => {
      const empty = new Run(policyOf()).toResolving();
      empty.apply((s) => ok(s, resolverOut({ draftReply: '' })));
      expect(empty.state.escalation!.breaker).toBe('no_reply');
      const esc = new Run(policyOf()).toResolving();
      esc.apply((s) => ok(s, resolverOut({ decision: 'escalate', escalationReason: 'needs a refund over the limit' })));
      expect(esc.state.escalation!.reason).toContain('needs a refund over the limit');
    });
  });

  describe('recovery', () => {
    it('retries a transient failure with exponential backoff, then escalates', () => {
      const sut = new Run(policyOf());
      const first = sut.state.outstanding!.taskId;
      sut.apply((s) => failed(s, 'third_party'));
      expect(sut.state.retry).toMatchObject({ agent: 'triage', attempt: 2, dueAt: at(1000).toISOString() });
      expect(sut.last.emit).toEqual([]);
      expect(sut.apply({ kind: 'tick', messageId: 't1' }, at(999)).changed).toBe(false);
      sut.apply({ kind: 'tick', messageId: 't2' }, at(1000));
      expect(sut.topics()).toEqual(['agent.triage.tasks']);
      expect(sut.last.emit[0]!.attempt).toBe(2);
      expect(sut.state.outstanding!.taskId).not.toBe(first);
      sut.apply((s) => failed(s, 'system'), at(1000));
      expect(sut.state.retry!.dueAt).toBe(at(3000).toISOString());
      sut.apply({ kind: 'tick', messageId: 't3' }, at(3000));
      sut.apply((s) => failed(s, 'system'), at(3000));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.breaker).toBe('agent_unavailable');
      expect(sut.state.counters.failures).toBe(3);
    });

    it('times out an agent that never answers, retries, then escalates; a late answer is stale', () => {
      const sut = new Run(policyOf({ budgets: { stepTimeoutMs: 5000 } }));
      const lateTask = sut.state.outstanding!;
      // The task carries the step's deadline, so an agent reaching it later skips the work (load shedding).
      expect(lateTask.deadline).toBe(at(5000).toISOString());
      expect(sut.last.emit[0]!.payload).toMatchObject({ taskId: lateTask.taskId, deadline: lateTask.deadline });
      sut.apply({ kind: 'tick', messageId: 'a' }, at(5000));
      expect(sut.state.counters.timeouts).toBe(1);
      expect(sut.state.retry!.attempt).toBe(2);
      sut.apply({ kind: 'tick', messageId: 'b' }, at(6000));
      sut.apply({ kind: 'agent_result', messageId: 'late', result: { agent: 'triage', taskId: lateTask.taskId, status: 'ok', output: triageOut(), usage, toolErrors: 0 } }, at(6001));
      expect(sut.state.status).toBe('RECEIVED');
      expect(sut.state.counters.stale).toBe(1);
      sut.apply({ kind: 'tick', messageId: 'c' }, at(11_000));
      sut.apply({ kind: 'tick', messageId: 'd' }, at(13_000));
      sut.apply({ kind: 'tick', messageId: 'e' }, at(18_000));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.breaker).toBe('step_timeout');
      const outcome = sut.last.emit.find((m) => m.topic === 'tickets.outcomes')!.payload as { handoff: { counters: Record<string, number> } };
      expect(outcome.handoff.counters.timeouts).toBe(3);
    });

    it('sends a resolver planning failure back to the resolver once, then escalates', () => {
      const sut = new Run(policyOf()).toResolving();
      sut.apply((s) => failed(s, 'user', 'LLM.OUTPUT_INVALID'));
      expect(sut.state.status).toBe('RESOLVING');
      const replan = sut.last.emit[0]!.payload as { hint: string };
      expect(replan.hint).toContain('LLM.OUTPUT_INVALID');
      sut.apply((s) => failed(s, 'user', 'LLM.OUTPUT_INVALID'));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.breaker).toBe('bad_output');
    });

    it('fails a case the supervisor cannot process, with one FAILED outcome', () => {
      const sut = new Run(policyOf());
      sut.apply({ kind: 'internal_failure', messageId: 'if', error: { code: 'X', category: 'system', message: 'bug' } });
      expect(sut.state.status).toBe('FAILED');
      expect((sut.last.emit[0]!.payload as { status: string }).status).toBe('FAILED');
      sut.apply({ kind: 'internal_failure', messageId: 'if2', error: { code: 'X', category: 'system', message: 'bug' } });
      expect(sut.last.emit).toEqual([]);
    });
  });

  describe('budgets and breakers', () => {
    function expectHandoff(sut: Run, breaker: string) {
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.breaker).toBe(breaker);
      const outcome = sut.last.emit.find((m) => m.topic === 'tickets.outcomes')!.payload as { handoff: Record<string, unknown> };
      expect(outcome.handoff).toMatchObject({ breaker, asked: expect.any(String), counters: expect.any(Object), suggestedNextStep: expect.any(String) });
      expect((outcome.handoff.findings as unknown[]).length).toBeGreaterThan(0);
      return outcome.handoff;
    }

    it('max iterations', () => {
      const sut = new Run(policyOf({ budgets: { maxIterations: 2 } }));
      sut.apply((s) => ok(s, triageOut()));
      sut.apply((s) => ok(s, { passages: [] }));
      expectHandoff(sut, 'max_iterations');
      expect(sut.state.counters.iterations).toBe(2);
    });

    it('max tokens', () => {
      const sut = new Run(policyOf({ budgets: { maxTokens: 1000 } }));
      sut.apply((s) => ok(s, triageOut(), { usage: { llmCalls: 1, inputTokens: 900, outputTokens: 200, costUsd: 0 } }));
      expectHandoff(sut, 'max_tokens');
    });

    it('max cost', () => {
      const sut = new Run(policyOf({ budgets: { maxCostUsd: 0.5 } }));
      sut.apply((s) => ok(s, triageOut(), { usage: { llmCalls: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.6 } }));
      expectHandoff(sut, 'max_cost');
    });

    it('a report-only budget records its trip once per run and lets the case go on; the loop guards still enforce', () => {
      const sut = new Run(policyOf({ budgets: { maxCostUsd: 0.5, reportOnly: ['max_cost'] } }));
      sut.apply((s) => ok(s, triageOut(), { usage: { llmCalls: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.6 } }));
      expect(sut.state.status).not.toBe('ESCALATED');
      const reported = sut.all.flatMap((d) => d.trace).filter((t) => t.data.event === 'breaker_reported');
      expect(reported).toEqual([{ kind: 'event', data: { event: 'breaker_reported', breaker: 'max_cost', reason: 'cost budget spent: $0.6000 (limit $0.5)' } }]);
      expect(sut.all.flatMap((d) => d.trace).some((t) => t.kind === 'breaker')).toBe(false);
      // Still over budget at the next dispatch: not reported again in this run.
      sut.apply((s) => ok(s, { passages: [] }, { usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0.1 } }));
      expect(sut.last.trace.some((t) => t.data.event === 'breaker_reported')).toBe(false);
      expect(sut.state.status).not.toBe('ESCALATED');

      const looping = new Run(policyOf({ budgets: { maxIterations: 2, maxCostUsd: 0.5, reportOnly: ['max_cost'] } }));
      looping.apply((s) => ok(s, triageOut(), { usage: { llmCalls: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.6 } }));
      looping.apply((s) => ok(s, { passages: [] }));
      expectHandoff(looping, 'max_iterations');
    });

    it('report-only is refused for the loop guards and for unknown breakers', () => {
      expect(() => policyOf({ budgets: { reportOnly: ['max_iterations'] } })).toThrow();
      expect(() => policyOf({ budgets: { reportOnly: ['repeated_failure'] } })).toThrow();
    });

    it('max tool errors', () => {
      const sut = new Run(policyOf({ budgets: { maxToolErrors: 2 } })).toResolving();
      sut.apply((s) => ok(s, resolverOut(), { toolErrors: 3 }));
      expectHandoff(sut, 'max_tool_errors');
    });

    it('repeated identical failing action, with the tried actions in the handoff', () => {
      const sut = new Run(policyOf()).toResolving();
      const steps: ResolverOutput['steps'] = [];
      for (let i = 0; i < 3; i++) {
        steps.push({ kind: 'tool_call', at: T0.toISOString(), tool: 'flush_cache', toolCallId: `c${i}`, arguments: { tenantId: 'acme' } });
        steps.push({ kind: 'observation', at: T0.toISOString(), toolCallId: `c${i}`, error: { code: 'BACKEND_ERROR', message: 'nope' } });
      }
      sut.apply((s) => ok(s, resolverOut({ steps })));
      const handoff = expectHandoff(sut, 'repeated_failure');
      expect((handoff.tried as Array<{ outcome: string }>).filter((t) => t.outcome.startsWith('error BACKEND_ERROR'))).toHaveLength(3);
    });

    it('budgets scale with human re-runs, counters are kept', () => {
      const sut = new Run(policyOf({ budgets: { maxIterations: 2 } }));
      sut.apply((s) => ok(s, triageOut()));
      sut.apply((s) => ok(s, { passages: [] }));
      sut.apply(cmd({ command: 'rerun', by, hint: 'try the cache' }));
      expect(sut.state.status).toBe('RESOLVING');
      expect(sut.state.run).toBe(2);
      expect(sut.state.counters.iterations).toBe(3);
      expect((sut.last.emit[0]!.payload as { hint: string }).hint).toBe('try the cache');
    });
  });

  describe('approvals and commands', () => {
    const pending = { approvalId: 'apr_1', tool: 'issue_refund', arguments: { amount: 500 }, reason: 'over 100' };
    function awaiting(): Run {
      const sut = new Run(policyOf()).toResolving();
      sut.apply((s) => ok(s, resolverOut({ decision: 'needs_approval', pendingApproval: pending, actions: [] })));
      expect(sut.state.status).toBe('AWAITING_APPROVAL');
      expect(sut.last.emit).toEqual([]);
      return sut;
    }

    it('approve dispatches the resolver with the approved action, then verifies', () => {
      const sut = awaiting();
      sut.apply(cmd({ command: 'approve', approvalId: 'apr_other', by }));
      expect(sut.state.status).toBe('AWAITING_APPROVAL');
      sut.apply(cmd({ command: 'approve', approvalId: 'apr_1', by }));
      expect(sut.state.status).toBe('RESOLVING');
      expect(sut.last.emit[0]!.payload).toMatchObject({ approvedApprovalId: 'apr_1', approved: pending });
      sut.apply((s) => ok(s, resolverOut()));
      expect(sut.state.status).toBe('VERIFYING');
      expect(sut.state.approval).toBeUndefined();
    });

    it('reject escalates with the reason; a gateway refusal escalates too', () => {
      const rejected = awaiting();
      rejected.apply(cmd({ command: 'reject', approvalId: 'apr_1', by, reason: 'too much' }));
      expect(rejected.state.escalation).toMatchObject({ breaker: 'approval_rejected' });
      const refused = awaiting();
      refused.apply({ kind: 'command', messageId: 'm', command: { command: 'approve', approvalId: 'apr_1', by }, gatewayError: 'APPROVAL_INVALID: expired' });
      expect(refused.state.escalation).toMatchObject({ breaker: 'approval_failed' });
    });

    it('take over, close and re-run; one outcome per run; terminal cases ignore commands', () => {
      const sut = new Run(policyOf());
      sut.apply(cmd({ command: 'take_over', by }));
      expect(sut.state.status).toBe('ESCALATED');
      expect(sut.state.escalation!.assignee).toBe('ana');
      expect(sut.topics()).toEqual(['tickets.outcomes']);
      sut.apply(cmd({ command: 'close', by, note: 'done by phone' }));
      expect(sut.state.status).toBe('CLOSED');
      expect(sut.last.emit).toEqual([]);
      sut.apply(cmd({ command: 'rerun', by }));
      expect(sut.state.status).toBe('CLOSED');
      expect(sut.last.trace.some((t) => t.data.event === 'command_ignored')).toBe(true);

      const open = new Run(policyOf());
      open.apply(cmd({ command: 'close', by }));
      expect(open.topics()).toEqual(['tickets.outcomes']);
      expect(open.state.outstanding).toBeUndefined();
    });
  });

  describe('assignment', () => {
    const bob = { userId: 'bob', role: 'supervisor' as const };
    const events = (sut: Run) => sut.last.trace.filter((t) => t.kind === 'event').map((t) => t.data);

    it('claim, a second claim ignored, release by the assignee only, reassign; no status change and no message', () => {
      const sut = new Run(policyOf()).toResolving();
      sut.apply(cmd({ command: 'take_over', by }));
      expect(sut.state).toMatchObject({ status: 'ESCALATED', assignee: 'ana' });

      const held = new Run(policyOf()).toResolving();
      held.apply(cmd({ command: 'claim', by }));
      expect(held.state).toMatchObject({ status: 'RESOLVING', assignee: 'ana' });
      expect(held.last.emit).toEqual([]);
      expect(events(held)).toEqual([{ event: 'assigned', assignee: 'ana', from: null, how: 'claim', by: 'ana' }]);

      held.apply(cmd({ command: 'claim', by: bob }, 'cmd-claim-2'));
      expect(held.state.assignee).toBe('ana');
      expect(events(held)).toEqual([{ event: 'command_ignored', command: 'claim', by: 'bob', why: 'assigned to ana' }]);
      held.apply(cmd({ command: 'release', by: bob }, 'cmd-release-bob'));
      expect(held.state.assignee).toBe('ana');

      held.apply(cmd({ command: 'reassign', by: bob, to: 'bob' }));
      expect(held.state.assignee).toBe('bob');
      expect(events(held)).toEqual([{ event: 'assigned', assignee: 'bob', from: 'ana', how: 'reassign', by: 'bob' }]);
      held.apply(cmd({ command: 'release', by: bob }));
      expect(held.state.assignee).toBeUndefined();
      expect(held.state.status).toBe('RESOLVING');
      expect(events(held)).toEqual([{ event: 'unassigned', assignee: null, from: 'bob', how: 'release', by: 'bob' }]);
    });

    it('keeps the escalation\'s assignee (helpdesk routing) in step, and the assignee across a re-run', () => {
      const sut = new Run(policyOf());
      sut.apply(cmd({ command: 'take_over', by }));
      sut.apply(cmd({ command: 'reassign', by, to: 'bob' }));
      expect(sut.state.escalation!.assignee).toBe('bob');
      sut.apply(cmd({ command: 'rerun', by }));
      expect(sut.state.escalation).toBeUndefined();
      expect(sut.state.assignee).toBe('bob');
      sut.apply(cmd({ command: 'close', by }));
      sut.apply(cmd({ command: 'claim', by }, 'cmd-claim-closed'));
      expect(sut.state.assignee).toBe('bob');
    });
  });

  it('keeps checkpoints bounded: the delta at step 50 is no bigger than early ones', () => {
    const sut = new Run(policyOf({ budgets: { maxIterations: 1000, maxRepeatedFailures: 1000, maxToolErrors: 1000, maxTokens: 10_000_000, maxCostUsd: 1000 } })).toResolving();
    const core = (s: CaseState) => {
      const { ticket: _t, triage: _tr, passages: _p, ...rest } = s;
      return rest as Record<string, unknown>;
    };
    const sizes: number[] = [];
    let prev = core(sut.state);
    let rebuilt = prev;
    for (let i = 0; i < 50; i++) {
      const steps: ResolverOutput['steps'] = [
        { kind: 'tool_call', at: T0.toISOString(), tool: 'flush_cache', toolCallId: `c${i}`, arguments: { tenantId: `acme-${i}` } },
        { kind: 'observation', at: T0.toISOString(), toolCallId: `c${i}`, error: { code: 'BACKEND_ERROR', message: 'nope' } },
      ];
      sut.apply((s) => ok(s, resolverOut({ decision: 'escalate', escalationReason: `attempt ${i}`, findings: [`finding ${i}`], steps })));
      sut.apply(cmd({ command: 'rerun', by, hint: `hint ${i}` }, `rerun-${i}`));
      const next = core(sut.state);
      const delta = diffCore(prev, next);
      rebuilt = applyDelta(rebuilt, delta);
      sizes.push(JSON.stringify(delta).length);
      prev = next;
    }
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(JSON.parse(JSON.stringify(prev)));
    expect(sizes[49]!).toBeLessThanOrEqual(1.2 * Math.max(sizes[0]!, sizes[1]!));
    expect(JSON.stringify(core(sut.state)).length).toBeLessThan(20_000);
  });

  it('gives the free loop read-only tokens unless the policy lets an intent with an allow-list write', () => {
    const none = new Run(policyOf(), ticket, ProcedureSet.empty()).toResolving();
    expect('token' in none.last.emit[0]! && none.last.emit[0]!.token).toMatchObject({ tools: ['*'], scopes: ['read'] });

    const other = new Run(policyOf(), ticket, SHIPPED);
    other.apply((s) => ok(s, triageOut({ intent: 'other' })));
    other.apply((s) => ok(s, { passages: [] }));
    expect('token' in other.last.emit[0]! && other.last.emit[0]!.token).toMatchObject({ tools: ['*'], scopes: ['read'] });

    const shadow = new Run(policyOf({ defaultMode: 'shadow' }), ticket, SHIPPED).toResolving();
    expect('token' in shadow.last.emit[0]! && shadow.last.emit[0]!.token!.scopes).toEqual(['read']);
  });

  it('does not resolve on a verification without evidence, and resumes the followed procedure with its slots after an approval', () => {
    const bare = new Run(policyOf()).toResolving();
    bare.apply((s) => ok(s, resolverOut({ actions: [] })));
    bare.apply((s) => ok(s, verifierOut({ evidence: [] })));
    expect(bare.state.status).toBe('ESCALATED');
    expect(bare.state.escalation).toMatchObject({ breaker: 'unverified', reason: expect.stringContaining('no evidence') });

    const refund = new Run(policyOf());
    refund.apply((s) => ok(s, triageOut({ intent: 'refund', entities: { amounts: [150], ids: ['inv_1'], emails: [], days: [] } })));
    refund.apply((s) => ok(s, { passages: [] }));
    refund.apply((s) => ok(s, resolverOut({ decision: 'needs_approval', actions: [], procedure: { id: 'refund-paid-invoice', version: 1 }, slots: { invoiceId: 'inv_1', amount: 150 }, pendingApproval: { approvalId: 'apr_1', tool: 'issue_refund', arguments: { amount: 150 }, reason: 'above 100' } })));
    expect(refund.state.status).toBe('AWAITING_APPROVAL');
    refund.apply(cmd({ command: 'approve', approvalId: 'apr_1', by }));
    expect(refund.last.emit[0]!.payload).toMatchObject({ procedures: [expect.objectContaining({ id: 'refund-paid-invoice', tests: [] })], slots: { invoiceId: 'inv_1', amount: 150 }, approved: { approvalId: 'apr_1' } });
  });
});

describe('human replies (send_reply)', () => {
  const bob = { userId: 'bob', role: 'supervisor' as const };
  const events = (sut: Run) => sut.last.trace.filter((t) => t.kind === 'event').map((t) => t.data);
  const reply = (body: string, over: Partial<{ run: number; by: typeof by }> = {}, id = `cmd-reply-${body.length}`) =>
    cmd({ command: 'send_reply', body, run: over.run ?? 1, by: over.by ?? by }, id);
  /** Escalated as unverified: the reset's read-back passed and the cache check passed, the dashboard check failed. */
  function unverified(): Run {
    const sut = new Run(policyOf()).toResolving();
    sut.apply((s) => ok(s, resolverOut({
      draftReply: 'We reset your tenant cache. Your dashboard renders again.', procedure: { id: 'dashboard-cache-reset', version: 1 }, slots: {},
      actions: [{ toolCallId: 'c1', tool: 'reset_tenant_cache', arguments: { tenantId: 'acme' }, executed: true }],
    })));
    sut.apply((s) => ok(s, verifierOut({
      verified: false, reason: 'the dashboard still renders blank',
      evidence: [
        { tool: 'get_cache_status', arguments: { tenantId: 'acme' }, expected: 'fresh', observed: { status: 'fresh' }, passed: true, forAction: 'c1' },
        { tool: 'get_cache_status', arguments: { tenantId: 'acme' }, expected: 'fresh', observed: { status: 'fresh' }, passed: true, check: 'cache-rebuilt' },
        { tool: 'get_tenant', arguments: { tenantId: 'acme' }, expected: 'ok', observed: { dashboard: 'blank' }, passed: false, check: 'dashboard-renders' },
      ],
    })));
    expect(sut.state).toMatchObject({ status: 'ESCALATED', escalation: { breaker: 'unverified' } });
    return sut;
  }

  it('keeps what the verifier proved on the case: verified writes and passed checks with their topics', () => {
    expect(unverified().state.verification!.proof).toEqual({
      verifiedActions: [{ tool: 'reset_tenant_cache', arguments: { tenantId: 'acme' } }],
      passedChecks: [{ id: 'cache-rebuilt', tool: 'get_cache_status', topics: ['cache', 'fixed'], observed: { status: 'fresh' } }],
    });
  });

  it('ignores a reply that claims more than the evidence, and sends a corrected one once, closing the case', () => {
    const sut = unverified();
    sut.apply(reply('We reset your tenant cache. We also refunded your last invoice.'));
    expect(sut.state.status).toBe('ESCALATED');
    expect(sut.last.emit).toEqual([]);
    expect(events(sut)).toEqual([expect.objectContaining({ event: 'command_ignored', command: 'send_reply', why: expect.stringContaining('"We also refunded your last invoice."') })]);

    const fixed = 'We reset your tenant cache. If anything still looks wrong, just reply to this message.';
    sut.apply(reply(fixed));
    expect(sut.state).toMatchObject({ status: 'CLOSED', assignee: 'ana' });
    expect(sut.last.transitions).toEqual([{ from: 'ESCALATED', to: 'CLOSED', reason: 'reply sent by ana' }]);
    expect(sut.topics()).toEqual(['tickets.replies']);
    expect(sut.last.emit[0]!.payload).toEqual({ source: 'zendesk', externalId: 'ZD-1', to: 'ops@acme.example', subject: 'Re: Dashboard blank', body: fixed, evidenceCount: 2 });
    expect(events(sut)).toContainEqual({ event: 'reply_sent', by: 'ana', run: 1, proposed: 'We reset your tenant cache. Your dashboard renders again.', sent: fixed, edited: true });
    expect(sut.last.trace[0]).toEqual({ kind: 'command', data: { command: 'send_reply', body: fixed, run: 1, by } });

    sut.apply(reply(fixed, {}, 'cmd-reply-again'));
    expect(sut.last.emit).toEqual([]);
    expect(events(sut)).toEqual([expect.objectContaining({ event: 'command_ignored', why: 'case is CLOSED' })]);
  });

  it('allows only neutral sentences where no verifier ran (shadow / assist), and an unedited draft is recorded as such', () => {
    const sut = new Run(policyOf({ defaultMode: 'shadow' })).toResolving();
    sut.apply((s) => ok(s, resolverOut({ actions: [] })));
    expect(sut.state.status).toBe('ESCALATED');
    sut.apply(reply('We flushed your cache; please reload.'));
    expect(sut.state.status).toBe('ESCALATED');
    const neutral = 'Thanks for your patience; an engineer is looking into this and will reply today.';
    sut.apply(reply(neutral));
    expect(sut.state.status).toBe('CLOSED');
    expect(events(sut)).toContainEqual(expect.objectContaining({ event: 'reply_sent', proposed: 'We flushed your cache; please reload.', edited: true }));
  });

  it('honours the assignee, the run and the status', () => {
    const sut = unverified();
    sut.apply(cmd({ command: 'claim', by: bob }));
    const ok1 = 'We reset your tenant cache.';
    sut.apply(reply(ok1));
    expect(events(sut)).toEqual([expect.objectContaining({ event: 'command_ignored', why: 'assigned to bob' })]);
    sut.apply(reply(ok1, { by: bob, run: 2 }));
    expect(events(sut)).toEqual([expect.objectContaining({ why: 'the reply was checked against run 2; the case is at run 1' })]);
    sut.apply(reply(ok1, { by: bob }));
    expect(sut.state.status).toBe('CLOSED');
    expect(events(sut)).toContainEqual(expect.objectContaining({ event: 'reply_sent', by: 'bob', edited: true }));

    const held = new Run(policyOf()).toResolving();
    held.apply(reply('Thanks, we are on it.'));
    expect(held.state.status).toBe('RESOLVING');
    expect(events(held)).toEqual([expect.objectContaining({ why: 'only an escalated case is answered from the console (status RESOLVING)' })]);
  });
});

describe('models of a case', () => {
  it('keeps the distinct models the agents report, in order of first use, capped', () => {
    const sut = new Run(policyOf());
    sut.apply((s) => ok(s, triageOut(), { usage: { ...usage, models: ['gemma-3-270m'] } }));
    sut.apply((s) => ok(s, { passages: [] }));
    sut.apply((s) => ok(s, resolverOut(), { usage: { ...usage, models: ['gemma-3-270m', 'claude-haiku'] } }));
    expect(sut.state.models).toEqual(['gemma-3-270m', 'claude-haiku']);
    expect(sut.state.counters.tokens).toBe(450);
  });
});
