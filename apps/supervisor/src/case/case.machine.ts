import { createHash } from 'node:crypto';
import { canonicalJson } from '@switchboard/contracts';
import type {
  AgentName, AgentResult, CaseOutcome, CaseStatus, ErrorInfo, HandoffPacket, ResolverOutput, RetrievalOutput, SupervisorCommand,
  TicketEvent, TicketFacts, TriageOutput, VerifierOutput,
} from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { ProcedureSet } from '@switchboard/procedures';
import { provenFacts } from '../draft/draft-reply';
import { applyHelpdeskEvent } from '../helpdesk/case-helpdesk';
import { outcomeTier } from '../outcomes/outcome-tier';
import { resolvePolicy, type Policy } from '../policy/policy.schema';
import {
  TERMINAL_STATUSES, type CaseCounters, type CaseEvent, type CaseState, type Decision, type OutgoingMessage, type TraceEntry, type Transition,
} from './case.types';
import { commandBlocker } from './command-rules';
import { handoffPacket } from './handoff';

// Caps keep the checkpointed core bounded whatever the number of steps (the trace rows keep everything).
const MAX_FINDINGS = 16;
const MAX_TRIED = 20;
const MAX_FAILURE_SIGNATURES = 20;
const MAX_APPROVALS = 10;
const MAX_MODELS = 8;

/** decide() met a state it cannot be in: a bug. The handler turns it into a FAILED case after the bus retries. */
export class CaseInvariantError extends SwitchboardError {
  constructor(caseId: string, message: string) {
    super('SUPERVISOR.CASE_INVARIANT', 'system', `case ${caseId}: ${message}`);
  }
}

/** Deterministic task id: the same case, causing message and dispatch number always give the same id. */
export function taskIdFor(caseId: string, causeId: string, seq: number): string {
  return `task_${createHash('sha256').update(`${caseId}|${causeId}|${seq}`).digest('hex').slice(0, 24)}`;
}

const NO_PROCEDURES = ProcedureSet.empty();

const ZERO_COUNTERS: CaseCounters = {
  iterations: 0, llmCalls: 0, tokens: 0, costUsd: 0, toolErrors: 0, failures: 0, replans: 0, timeouts: 0, duplicates: 0, stale: 0,
};

/** A new case in RECEIVED; {@link decide} with `ticket_received` dispatches triage. */
export function initialCase(ticket: TicketEvent, ids: { caseId: string; correlationId: string }, policy: Policy, now: Date): CaseState {
  const resolved = resolvePolicy(policy, ticket.tenantId);
  return {
    caseId: ids.caseId,
    tenantId: ticket.tenantId,
    region: ticket.region,
    correlationId: ids.correlationId,
    status: 'RECEIVED',
    run: 1,
    mode: resolved.mode,
    policy: resolved,
    findings: [],
    tried: [],
    failureCounts: {},
    counters: { ...ZERO_COUNTERS },
    seq: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ticket,
    passages: [],
  };
}

/** When the scanner should next look at the case: a due retry, else the outstanding step's deadline. */
export function dueAt(state: CaseState): string | null {
  return state.retry?.dueAt ?? state.outstanding?.deadline ?? null;
}

/**
 * The case state machine: pure and deterministic (no I/O, no clock, no randomness), so replaying an event gives the
 * same state, messages and ids. The caller persists the result in one transaction.
 *
 * @example
 * const { state, emit, transitions, trace } = decide(current, { kind: 'agent_result', messageId, result }, policy, new Date());
 */
export function decide(state: CaseState, event: CaseEvent, policy: Policy, now: Date, procedures: ProcedureSet = NO_PROCEDURES): Decision {
  const machine = new Machine(structuredClone(state), event, policy, now, procedures);
  machine.run();
  return machine.result();
}

type DispatchOptions = { attempt?: number; status?: CaseStatus; reason?: string };

class Machine {
  private readonly emit: OutgoingMessage[] = [];
  private readonly transitions: Transition[] = [];
  private readonly trace: TraceEntry[] = [];
  private changed = true;

  constructor(
    private readonly s: CaseState,
    private readonly event: CaseEvent,
    private readonly policy: Policy,
    private readonly now: Date,
    private readonly procedures: ProcedureSet,
  ) {}

  result(): Decision {
    if (this.changed) {
      this.s.updatedAt = this.iso();
      const tier = outcomeTier(this.s)?.tier;
      if (tier) this.s.tier = tier;
      else delete this.s.tier;
    }
    return { state: this.s, emit: this.emit, transitions: this.transitions, trace: this.trace, changed: this.changed };
  }

  run(): void {
    const e = this.event;
    switch (e.kind) {
      case 'ticket_received':
        if (this.s.status === 'RECEIVED' && this.s.seq === 0) {
          // What admission changed on the ticket (the registry's region, redacted credentials): intake verdicts.
          if (e.intake) this.trace.push({ kind: 'event', data: { event: 'intake_screen', ...e.intake } });
          return this.dispatch('triage', { reason: 'ticket received' });
        }
        return this.duplicate();
      case 'duplicate_ticket':
        return this.duplicate();
      case 'agent_result':
        return this.onResult(e.result);
      case 'command':
        return this.onCommand(e.command, e.gatewayError);
      case 'tick':
        return this.onTick();
      case 'internal_failure':
        return this.onInternalFailure(e.error);
      case 'helpdesk_delivery':
      case 'helpdesk_signal':
        return applyHelpdeskEvent(this.s, e, this.trace);
    }
  }

  // ---------------------------------------------------------------- events

  private duplicate(): void {
    this.s.counters.duplicates++;
    this.note('duplicate_ticket', { messageId: this.event.messageId });
  }

  private onResult(result: AgentResult): void {
    const s = this.s;
    const expected = s.outstanding;
    this.addUsage(result);
    if (!expected || expected.taskId !== result.taskId || expected.agent !== result.agent || this.terminal()) {
      // A late answer (after a timeout retry), a redelivered result or one for a closed case: recorded, not acted on.
      s.counters.stale++;
      this.trace.push({ kind: 'event', agent: result.agent, taskId: result.taskId, data: { event: 'stale_result', status: result.status, expectedTaskId: expected?.taskId ?? null }, usage: usageOf(result) });
      return;
    }
    s.outstanding = undefined;
    this.trace.push({ kind: 'result', agent: result.agent, taskId: result.taskId, data: resultTrace(result, expected.attempt), usage: usageOf(result) });
    if (result.status === 'failed') return this.onFailure(result.agent, expected.attempt, result.error!, 'agent_unavailable');
    const output = result.output!;
    switch (result.agent) {
      case 'triage':
        return this.afterTriage(output as TriageOutput);
      case 'retrieval':
        return this.afterRetrieval(output as RetrievalOutput);
      case 'resolver':
        return this.afterResolver(output as ResolverOutput);
      case 'verifier':
        return this.afterVerifier(output as VerifierOutput);
    }
  }

  private onTick(): void {
    const s = this.s;
    if (this.terminal()) return void (this.changed = false);
    if (s.retry && Date.parse(s.retry.dueAt) <= this.now.getTime()) {
      const retry = s.retry;
      s.retry = undefined;
      return this.dispatch(retry.agent, { attempt: retry.attempt, reason: `retry ${retry.attempt}: ${retry.reason}` });
    }
    if (s.outstanding && Date.parse(s.outstanding.deadline) <= this.now.getTime()) {
      const task = s.outstanding;
      s.outstanding = undefined;
      s.counters.timeouts++;
      this.note('step_timeout', { agent: task.agent, taskId: task.taskId, attempt: task.attempt });
      const error: ErrorInfo = { code: 'SUPERVISOR.STEP_TIMEOUT', category: 'system', message: `${task.agent} did not answer within ${s.policy.budgets.stepTimeoutMs} ms` };
      return this.onFailure(task.agent, task.attempt, error, 'step_timeout');
    }
    this.changed = false;
  }

  private onInternalFailure(error: ErrorInfo): void {
    if (this.terminal()) return this.note('internal_failure_ignored', { error });
    this.s.outstanding = undefined;
    this.s.retry = undefined;
    const reason = `the supervisor could not process this case: ${error.code}: ${error.message}`;
    this.to('FAILED', reason);
    this.outcome('FAILED', reason, false, this.handoff(reason, 'internal_failure'));
  }

  private onCommand(command: SupervisorCommand, gatewayError?: string): void {
    const s = this.s;
    const by = command.by.userId;
    this.trace.push({ kind: 'command', data: { ...command } });
    // The console asks the same rule before sending; decided again on the state the command finds, so of two claims
    // racing for one case the second is ignored, not applied.
    const blocked = commandBlocker(s, command, by);
    if (blocked) return this.note('command_ignored', { command: command.command, by, why: blocked.why });
    switch (command.command) {
      case 'approve':
      case 'reject': {
        // The rule let it through: this approval is the one pending.
        const approval = s.approval!;
        if (gatewayError) return this.escalate(`the gateway refused to ${command.command} ${command.approvalId}: ${gatewayError}`, 'approval_failed');
        if (command.command === 'reject') {
          return this.escalate(`approval ${command.approvalId} (${approval.tool}) rejected by ${by}: ${command.reason}`, 'approval_rejected');
        }
        approval.approvedBy = by;
        s.approvals = [...(s.approvals ?? []), { approvalId: approval.approvalId, tool: approval.tool, by, at: this.iso(), run: s.run }].slice(-MAX_APPROVALS);
        return this.dispatch('resolver', { status: 'RESOLVING', reason: `${approval.tool} approved by ${by}` });
      }
      case 'take_over':
        s.assignee = by;
        if (s.status === 'ESCALATED') {
          s.escalation = { ...s.escalation!, assignee: by };
          return this.note('assigned', { assignee: by });
        }
        return this.escalate(`taken over by ${by}`, 'take_over', by);
      case 'claim':
        return this.assign(by, 'claim', by);
      case 'release':
        return this.assign(undefined, 'release', by);
      case 'reassign':
        return this.assign(command.to, 'reassign', by);
      case 'send_reply':
        return this.sendReply(command.body, by);
      case 'close': {
        s.outstanding = undefined;
        s.retry = undefined;
        const reason = `closed by ${by}${command.note ? `: ${command.note}` : ''}`;
        this.to('CLOSED', reason);
        return this.outcome('CLOSED', reason, false);
      }
      case 'rerun': {
        s.run++;
        s.hint = command.hint;
        s.escalation = undefined;
        s.approval = undefined;
        s.resolution = undefined;
        s.verification = undefined;
        s.failureCounts = {};
        const reason = `re-run by ${by}`;
        if (!s.triage) return this.dispatch('triage', { status: 'RECEIVED', reason });
        if (s.mode === 'assist') return this.dispatch('retrieval', { status: 'TRIAGED', reason });
        return this.dispatch('resolver', { status: 'RESOLVING', reason });
      }
    }
  }

  /**
   * A human's reply on an escalated case, once {@link commandBlocker} let it through (status, assignee, run, and the
   * text against the run's proof with the verifier's claim rules). Sent like a verified reply, on `tickets.replies`
   * (one per run), and the case closes; the trace keeps the agents' draft beside what was sent.
   */
  private sendReply(body: string, by: string): void {
    const s = this.s;
    const proposed = s.resolution?.draftReply.trim() ? s.resolution.draftReply : null;
    s.assignee = by;
    s.escalation = { ...s.escalation!, assignee: by };
    this.note('reply_sent', { by, run: s.run, proposed, sent: body, edited: proposed !== body });
    this.emit.push({
      topic: 'tickets.replies', attempt: 0,
      payload: {
        source: s.ticket.source, externalId: s.ticket.externalId, to: s.ticket.requester.email, subject: `Re: ${s.ticket.subject}`,
        body, evidenceCount: s.verification?.passed ?? 0,
      },
    });
    const reason = `reply sent by ${by}`;
    this.to('CLOSED', reason);
    this.outcome('CLOSED', reason, false);
  }

  // ---------------------------------------------------------------- agent outputs

  private afterTriage(out: TriageOutput): void {
    const s = this.s;
    s.triage = out;
    s.intent = out.intent;
    s.policy = resolvePolicy(this.policy, s.tenantId, out.intent);
    s.mode = s.policy.mode;
    const pii = out.pii.found ? `, PII: ${out.pii.kinds.join(', ') || 'yes'}` : '';
    this.finding('triage', `intent ${out.intent} (confidence ${out.confidence}), priority ${out.priority}, injection risk ${out.injectionRisk}${pii}: ${out.summary}`);
    if (out.injectionRisk === 'high') {
      if (this.policy.onHighInjectionRisk === 'escalate') return this.escalate('prompt-injection risk is high; not processed automatically', 'injection_risk');
      if (s.mode !== 'shadow') {
        s.mode = 'shadow';
        s.policy.modeSource = 'injection_risk';
        this.note('mode_downgraded', { to: 'shadow', why: 'prompt-injection risk high' });
      }
    }
    const min = s.policy.minConfidence[s.mode];
    if (out.confidence < min) {
      return this.escalate(`triage confidence ${out.confidence} is below ${min}, the minimum for ${s.mode} mode`, 'low_confidence');
    }
    this.to('TRIAGED', `intent ${out.intent}, mode ${s.mode} (${s.policy.modeSource})`);
    this.dispatch('retrieval', { reason: 'gather context' });
  }

  private afterRetrieval(out: RetrievalOutput): void {
    const s = this.s;
    s.passages = out.passages.slice(0, s.policy.retrievalLimit);
    this.finding('retrieval', s.passages.length === 0 ? 'no relevant passages found' : `${s.passages.length} passages: ${s.passages.map((p) => p.title).join('; ')}`.slice(0, 1000));
    this.to('CONTEXT_READY', `${s.passages.length} passages`);
    if (s.mode === 'assist') return this.escalate('assist mode: context and routing attached; a human resolves the ticket', undefined);
    this.dispatch('resolver', { status: 'RESOLVING', reason: 'plan and act' });
  }

  private afterResolver(out: ResolverOutput): void {
    const s = this.s;
    const wasApproved = s.approval?.approvedBy !== undefined;
    const approvedId = wasApproved ? s.approval?.approvalId : undefined;
    s.hint = undefined;
    s.resolution = {
      decision: out.decision, summary: out.summary, draftReply: out.draftReply, actions: out.actions.slice(-MAX_TRIED),
      ...(out.procedure ? { procedure: out.procedure, slots: out.slots ?? {} } : {}),
    };
    this.finding('resolver', out.summary);
    for (const f of out.findings.slice(0, 5)) this.finding('resolver', f);
    for (const a of out.actions) this.tried(a.tool, a.arguments, a.executed ? 'executed' : 'proposed, not executed');
    this.recordFailingToolCalls(out);
    if (s.mode === 'shadow') {
      const executed = out.actions.filter((a) => a.executed);
      if (executed.length > 0) this.note('policy_violation', { why: 'a write ran in shadow mode', tools: executed.map((a) => a.tool) });
      return this.escalate('shadow mode: the internal note says what would have been done; a human handles the ticket', undefined);
    }
    if (out.decision !== 'needs_approval' || wasApproved) s.approval = undefined;
    switch (out.decision) {
      case 'needs_approval':
        if (!out.pendingApproval) return this.escalate('the resolver asked for an approval without naming the action', 'bad_output');
        if (approvedId === out.pendingApproval.approvalId) {
          return this.escalate(`the resolver asked again for approval ${out.pendingApproval.approvalId} after it was approved`, 'bad_output');
        }
        s.approval = out.pendingApproval;
        this.to('AWAITING_APPROVAL', `${out.pendingApproval.tool} needs approval: ${out.pendingApproval.reason}`);
        return;
      case 'escalate':
        return this.escalate(`the resolver escalated: ${out.escalationReason ?? out.summary}`, 'resolver_escalated');
      case 'resolved':
      case 'no_action':
        if (!out.draftReply.trim()) return this.escalate('the resolver finished without a reply to send', 'no_reply');
        return this.dispatch('verifier', { status: 'VERIFYING', reason: `verify: ${out.summary}`.slice(0, 500) });
    }
  }

  private afterVerifier(out: VerifierOutput): void {
    const s = this.s;
    const passed = out.evidence.filter((e) => e.passed).length;
    const procedure = s.resolution?.procedure ? this.procedures.find(s.resolution.procedure.id, s.resolution.procedure.version) : undefined;
    const proof = provenFacts(s.resolution?.actions ?? [], out, s.intent ? this.procedures.successChecks(s.intent, procedure) : []);
    s.verification = { verified: out.verified, reason: out.reason, evidence: out.evidence.length, passed, proof };
    // No evidence, no resolution: a change needs at least one passing check (the verifier says so too).
    const evidenced = passed > 0 || s.resolution?.decision === 'no_action';
    const confirmed = out.verified && evidenced && passed === out.evidence.length && out.unsupportedClaims.length === 0;
    if (!confirmed) {
      const why = out.reason ?? (out.unsupportedClaims.length > 0 ? `unsupported claims: ${out.unsupportedClaims.join('; ')}` : !evidenced ? 'no evidence that the problem is solved' : `${out.evidence.length - passed} of ${out.evidence.length} checks failed`);
      this.finding('verifier', `not verified: ${why}`);
      return this.escalate(`the verifier did not confirm the resolution: ${why}`, 'unverified');
    }
    this.finding('verifier', `verified: ${passed}/${out.evidence.length} checks passed`);
    const resolution = s.resolution;
    if (!resolution?.draftReply.trim()) throw new CaseInvariantError(s.caseId, 'verified without a draft reply');
    this.to('RESOLVED', 'verified');
    this.emit.push({
      topic: 'tickets.replies',
      attempt: 0,
      payload: {
        source: s.ticket.source, externalId: s.ticket.externalId, to: s.ticket.requester.email, subject: `Re: ${s.ticket.subject}`,
        body: resolution.draftReply, evidenceCount: out.evidence.length,
      },
    });
    this.outcome('RESOLVED', 'verified', true);
  }

  // ---------------------------------------------------------------- failures and budgets

  private onFailure(agent: AgentName, attempt: number, error: ErrorInfo, exhaustedBreaker: string): void {
    const s = this.s;
    s.counters.failures++;
    if (error.category !== 'user') {
      const { maxAttempts, baseMs, factor } = s.policy.retry;
      if (attempt < maxAttempts) {
        const delayMs = Math.round(baseMs * factor ** (attempt - 1));
        s.retry = { agent, attempt: attempt + 1, dueAt: new Date(this.now.getTime() + delayMs).toISOString(), reason: `${error.code}: ${error.message}`.slice(0, 500) };
        this.trace.push({ kind: 'retry', agent, data: { attempt: attempt + 1, delayMs, error } });
        return;
      }
      return this.escalate(`${agent} failed ${attempt} times; last: ${error.code}: ${error.message}`, exhaustedBreaker);
    }
    this.countFailure(`${agent}:${error.code}`);
    if (agent === 'resolver' && s.counters.replans < s.policy.budgets.maxReplans * s.run) {
      s.counters.replans++;
      s.hint = `The previous attempt failed with ${error.code}: ${error.message}. Make a different plan.`.slice(0, 4000);
      return this.dispatch('resolver', { reason: 're-plan after a failed attempt' });
    }
    this.finding(agent, `failed: ${error.code}: ${error.message}`);
    return this.escalate(`${agent} could not complete its step: ${error.code}: ${error.message}`, 'bad_output');
  }

  /**
   * The first enforcing budget breaker that trips. A report-only one (`budgets.reportOnly`) that trips is recorded
   * once per run as a `breaker_reported` event — the verdict ledger's `reported` — and the case goes on.
   */
  private budgetTrip(): { breaker: string; reason: string } | undefined {
    const s = this.s;
    const { budgets } = s.policy;
    const c = s.counters;
    const k = s.run;
    const worst = Object.entries(s.failureCounts).sort((a, b) => b[1] - a[1])[0];
    const trips = [
      c.iterations >= budgets.maxIterations * k && { breaker: 'max_iterations', reason: `iteration budget spent: ${c.iterations} agent dispatches (limit ${budgets.maxIterations * k})` },
      c.tokens >= budgets.maxTokens * k && { breaker: 'max_tokens', reason: `token budget spent: ${c.tokens} tokens (limit ${budgets.maxTokens * k})` },
      c.costUsd >= budgets.maxCostUsd * k && { breaker: 'max_cost', reason: `cost budget spent: $${c.costUsd.toFixed(4)} (limit $${budgets.maxCostUsd * k})` },
      c.toolErrors > budgets.maxToolErrors * k && { breaker: 'max_tool_errors', reason: `${c.toolErrors} tool errors (limit ${budgets.maxToolErrors * k})` },
      worst && worst[1] >= budgets.maxRepeatedFailures && { breaker: 'repeated_failure', reason: `the same failure happened ${worst[1]} times: ${worst[0]}` },
    ];
    for (const trip of trips) {
      if (!trip) continue;
      if (!(budgets.reportOnly ?? []).includes(trip.breaker as never)) return trip;
      const key = `${k}:${trip.breaker}`;
      if (s.reportedBreakers?.includes(key)) continue;
      s.reportedBreakers = [...(s.reportedBreakers ?? []), key];
      this.note('breaker_reported', { breaker: trip.breaker, reason: trip.reason });
    }
    return undefined;
  }

  private dispatch(agent: AgentName, options: DispatchOptions): void {
    const s = this.s;
    const trip = this.budgetTrip();
    if (trip) return this.escalate(trip.reason, trip.breaker);
    if (options.status) this.to(options.status, options.reason ?? `dispatch ${agent}`);
    s.seq++;
    const attempt = options.attempt ?? 1;
    const taskId = taskIdFor(s.caseId, this.event.messageId, s.seq);
    s.counters.iterations++;
    s.retry = undefined;
    const deadline = new Date(this.now.getTime() + s.policy.budgets.stepTimeoutMs).toISOString();
    s.outstanding = { taskId, agent, attempt, dispatchedAt: this.iso(), deadline };
    // The task carries the step's deadline: an agent that reaches it later skips the work (it would be ignored here).
    const task = this.task(agent, taskId, attempt);
    this.emit.push({ ...task, payload: { ...task.payload, deadline } } as OutgoingMessage);
    this.trace.push({ kind: 'dispatch', agent, taskId, data: { attempt, iteration: s.counters.iterations, reason: options.reason ?? null, ...(s.hint ? { hint: s.hint } : {}) } });
  }

  private task(agent: AgentName, taskId: string, attempt: number): OutgoingMessage {
    const s = this.s;
    const triage = () => s.triage ?? (() => { throw new CaseInvariantError(s.caseId, `${agent} dispatched before triage`); })();
    switch (agent) {
      case 'triage':
        return { topic: 'agent.triage.tasks', attempt, payload: { taskId, ticket: s.ticket, intents: this.policy.intents } };
      case 'retrieval':
        return {
          topic: 'agent.retrieval.tasks', attempt,
          payload: { taskId, query: `${s.ticket.subject}\n\n${triage().summary}`.slice(0, 20_000), triage: triage(), limit: s.policy.retrievalLimit },
        };
      case 'resolver': {
        const approved = s.approval?.approvedBy ? s.approval : undefined;
        const intent = triage().intent;
        // After an approval the run resumes the procedure it followed, with the same slots, so the write comes out the same.
        const followed = approved && s.resolution?.procedure ? this.procedures.find(s.resolution.procedure.id, s.resolution.procedure.version) : undefined;
        // Without their tests: those are for `procedures test` and CI, and would only make every resolver task, its
        // outbox row and its Kafka record larger (about a fifth of a how-to task, more for the refund procedure's).
        const procedures = (followed ? [followed] : this.procedures.forCase(intent, s.tenantId)).map((p) => ({ ...p, tests: [] }));
        return {
          topic: 'agent.resolver.tasks', attempt,
          token: { agent, mode: s.mode, tools: this.resolverTools(intent), scopes: this.resolverCanWrite(intent, procedures.length > 0) ? ['read', 'write'] : ['read'], ttlSeconds: s.policy.taskTokenTtlSeconds },
          payload: {
            taskId, subject: s.ticket.subject, body: triage().redactedBody, triage: triage(), passages: s.passages, mode: s.mode,
            maxSteps: s.policy.resolverMaxSteps, previousFindings: s.findings.filter((f) => f.agent === 'resolver').map((f) => f.summary),
            ticket: ticketFacts(s), procedures,
            ...(followed && s.resolution?.slots ? { slots: s.resolution.slots } : {}),
            ...(s.hint ? { hint: s.hint } : {}),
            ...(approved
              ? { approvedApprovalId: approved.approvalId, approved: { approvalId: approved.approvalId, tool: approved.tool, arguments: approved.arguments, reason: approved.reason, ...(approved.expiresAt ? { expiresAt: approved.expiresAt } : {}) } }
              : {}),
          },
        };
      }
      case 'verifier': {
        const r = s.resolution ?? (() => { throw new CaseInvariantError(s.caseId, 'verifier dispatched without a resolution'); })();
        const intent = triage().intent;
        const procedure = r.procedure ? this.procedures.find(r.procedure.id, r.procedure.version) : undefined;
        if (r.procedure && !procedure) this.note('procedure_not_loaded', { procedure: r.procedure, why: 'verified against the intent\'s success checks only' });
        return {
          topic: 'agent.verifier.tasks', attempt,
          token: { agent, mode: s.mode, tools: ['*'], scopes: ['read'], ttlSeconds: s.policy.taskTokenTtlSeconds },
          payload: {
            taskId, actions: r.actions, draftReply: r.draftReply, summary: r.summary, mode: s.mode,
            decision: r.decision === 'no_action' ? 'no_action' : 'resolved',
            success: this.procedures.successChecks(intent, procedure),
            context: { ticket: ticketFacts(s), entities: { ...triage().entities }, slots: r.slots ?? {} },
            ...(r.procedure ? { procedure: r.procedure } : {}),
            // Cases stored before passages had an audience hold none: internal, never quotable.
            sources: s.passages.map((p) => ({ id: p.documentId, audience: p.audience ?? 'internal', text: p.text })),
          },
        };
      }
    }
  }

  /** The tools a resolver task of this intent may call: the intent's allow-list, or every tool (then read-only). */
  private resolverTools(intent: string): string[] {
    return this.procedures.allowedTools(intent) ?? ['*'];
  }

  /**
   * Writes need autonomous mode and either a procedure (whose simulations passed at start-up) or the policy's explicit
   * `freeLoopWrites` for the intent — and always an allow-list, never every tool.
   */
  private resolverCanWrite(intent: string, hasProcedure: boolean): boolean {
    if (this.s.mode !== 'autonomous' || this.procedures.allowedTools(intent) === undefined) return false;
    return hasProcedure || this.policy.freeLoopWrites.includes(intent);
  }

  // ---------------------------------------------------------------- exits

  private escalate(reason: string, breaker: string | undefined, assignee?: string): void {
    const s = this.s;
    s.outstanding = undefined;
    s.retry = undefined;
    s.escalation = { reason, ...(breaker ? { breaker } : {}), at: this.iso(), ...(assignee ? { assignee } : {}) };
    if (breaker) this.trace.push({ kind: 'breaker', data: { breaker, reason } });
    this.to('ESCALATED', reason);
    const handoff = this.handoff(reason, breaker);
    if (s.mode !== 'autonomous' && s.outcomeRun !== s.run) this.emit.push({ topic: 'tickets.internal-notes', attempt: 0, payload: this.internalNote(reason) });
    this.outcome('ESCALATED', reason, false, handoff);
  }

  private outcome(status: CaseOutcome['status'], reason: string, verified: boolean, handoff?: HandoffPacket): void {
    const s = this.s;
    if (s.outcomeRun === s.run) return this.note('outcome_already_sent', { status, run: s.run });
    s.outcomeRun = s.run;
    const summary = s.resolution?.summary ?? s.triage?.summary ?? s.ticket.subject;
    this.emit.push({
      topic: 'tickets.outcomes', attempt: 0,
      payload: { status, mode: s.mode, ...(s.intent ? { intent: s.intent } : {}), reason: reason.slice(0, 2000), summary, verified, ...(handoff ? { handoff } : {}) },
    });
  }

  private handoff(reason: string, breaker: string | undefined): HandoffPacket {
    return handoffPacket(this.s, reason, breaker);
  }

  private internalNote(reason: string): { mode: CaseState['mode']; body: string; proposedActions: Array<{ tool: string; arguments: Record<string, unknown> }> } {
    const s = this.s;
    const lines = [`[${s.mode}] ${reason}`];
    if (s.triage) lines.push(`Triage: intent ${s.triage.intent} (confidence ${s.triage.confidence}), priority ${s.triage.priority}. ${s.triage.summary}`);
    if (s.passages.length > 0) lines.push(`Context: ${s.passages.map((p) => `${p.title} › ${p.section}`).join('; ')}`);
    if (s.resolution) lines.push(`Would do: ${s.resolution.summary}`);
    if (s.approval) lines.push(`Would ask approval for ${s.approval.tool}: ${s.approval.reason}`);
    if (s.resolution?.draftReply) lines.push(`Draft reply:\n${s.resolution.draftReply}`);
    const proposed = [...(s.resolution?.actions ?? []), ...(s.approval ? [s.approval] : [])].map((a) => ({ tool: a.tool, arguments: a.arguments }));
    return { mode: s.mode, body: lines.join('\n\n'), proposedActions: proposed };
  }

  // ---------------------------------------------------------------- helpers

  private to(status: CaseStatus, reason: string): void {
    if (this.s.status === status) return;
    this.transitions.push({ from: this.s.status, to: status, reason: reason.slice(0, 2000) });
    this.s.status = status;
  }

  private terminal(): boolean {
    return TERMINAL_STATUSES.includes(this.s.status);
  }

  private assign(assignee: string | undefined, how: 'claim' | 'release' | 'reassign', by: string): void {
    const s = this.s;
    const from = s.assignee ?? null;
    if (assignee) s.assignee = assignee;
    else delete s.assignee;
    if (s.escalation) {
      const { assignee: _previous, ...escalation } = s.escalation;
      s.escalation = assignee ? { ...escalation, assignee } : escalation;
    }
    this.note(assignee ? 'assigned' : 'unassigned', { assignee: assignee ?? null, from, how, by });
  }

  private note(event: string, data: Record<string, unknown>): void {
    this.trace.push({ kind: 'event', data: { event, ...data } });
  }

  private finding(agent: string, summary: string): void {
    this.s.findings.push({ agent, summary: summary.slice(0, 1000) });
    if (this.s.findings.length > MAX_FINDINGS) this.s.findings.splice(0, this.s.findings.length - MAX_FINDINGS);
  }

  private tried(tool: string, args: Record<string, unknown>, outcome: string): void {
    this.s.tried.push({ tool, arguments: args, outcome: outcome.slice(0, 500) });
    if (this.s.tried.length > MAX_TRIED) this.s.tried.splice(0, this.s.tried.length - MAX_TRIED);
  }

  private countFailure(signature: string): void {
    const counts = this.s.failureCounts;
    counts[signature] = (counts[signature] ?? 0) + 1;
    const keys = Object.keys(counts);
    if (keys.length > MAX_FAILURE_SIGNATURES) {
      const [least] = keys.sort((a, b) => counts[a]! - counts[b]!);
      if (least !== signature) delete counts[least!];
    }
  }

  /** Tool calls whose observation is an error: tried-list entries and repeated-failure signatures. */
  private recordFailingToolCalls(out: ResolverOutput): void {
    const calls = new Map(out.steps.filter((st) => st.kind === 'tool_call' && st.toolCallId).map((st) => [st.toolCallId!, st]));
    for (const step of out.steps) {
      if (step.kind !== 'observation' || !step.error) continue;
      const call = step.toolCallId ? calls.get(step.toolCallId) : undefined;
      const tool = call?.tool ?? step.tool ?? 'unknown';
      const args = call?.arguments ?? step.arguments ?? {};
      this.tried(tool, args, `error ${step.error.code}: ${step.error.message}`);
      this.countFailure(`tool ${tool} ${canonicalJson(args)} → ${step.error.code}`.slice(0, 300));
    }
  }

  private addUsage(result: AgentResult): void {
    const c = this.s.counters;
    c.llmCalls += result.usage.llmCalls;
    c.tokens += result.usage.inputTokens + result.usage.outputTokens;
    c.costUsd = Math.round((c.costUsd + result.usage.costUsd) * 1e6) / 1e6;
    c.toolErrors += result.toolErrors;
    const models = (result.usage.models ?? []).filter((m) => !this.s.models?.includes(m));
    if (models.length > 0) this.s.models = [...(this.s.models ?? []), ...models].slice(0, MAX_MODELS);
  }

  private iso(): string {
    return this.now.toISOString();
  }
}

/** The ticket's facts a procedure binds to: ids, tenant, times, the requester; no free text. */
function ticketFacts(s: CaseState): TicketFacts {
  const t = s.ticket;
  return { tenantId: t.tenantId, region: t.region, source: t.source, externalId: t.externalId, receivedAt: t.receivedAt, requesterEmail: t.requester.email, priority: t.priority };
}

function usageOf(result: AgentResult): TraceEntry['usage'] {
  return { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, costUsd: result.usage.costUsd };
}

function resultTrace(result: AgentResult, attempt: number): Record<string, unknown> {
  const base = { status: result.status, attempt, toolErrors: result.toolErrors, llmCalls: result.usage.llmCalls };
  if (result.status === 'failed') return { ...base, error: result.error };
  if (result.agent === 'triage') {
    const { redactedBody: _body, ...rest } = result.output!;
    return { ...base, triage: rest };
  }
  if (result.agent === 'retrieval') {
    return { ...base, passages: result.output!.passages.map((p) => ({ ...p, text: p.text.slice(0, 500) })) };
  }
  return { ...base, [result.agent]: result.output };
}

