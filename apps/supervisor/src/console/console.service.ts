import type { Pool } from 'pg';
import type { KafkaBus } from '@switchboard/bus';
import type { SupervisorCommand } from '@switchboard/contracts';
import { JsonLogger, SwitchboardError } from '@switchboard/observability';
import { inTransaction, Outbox } from '@switchboard/store';
import type { Actor } from '../auth/actor';
import type { CaseRepository } from '../case/case.repository';
import { commandBlocker, type CommandRequest } from '../case/command-rules';
import { handoffPacket } from '../case/handoff';
import type { CommandSignatures } from '../commands/command-signature';
import { draftView } from '../draft/draft-reply';
import { outcomeTier, type TierTraceRow } from '../outcomes/outcome-tier';
import type { ConsoleRepository, KpiGroupBy, KpiRow } from './console.repository';
import { CommandConflictError } from '../commands/command-conflict';

export class CaseNotFoundError extends SwitchboardError {
  constructor(caseId: string) {
    super('SUPERVISOR.CASE_NOT_FOUND', 'user', `no case ${caseId}`);
  }
}

/** A claim on a case someone else is on: the console shows who, and offers to reassign it instead. */
export class AssignedToOtherError extends SwitchboardError {
  constructor(readonly assignee: string) {
    super('SUPERVISOR.ASSIGNED_TO_OTHER', 'user', `${assignee} is on this case; reassign it to take it over`);
  }
}

/** A reassign to someone who is not a console supervisor (a viewer or an unknown name). */
export class UnknownAssigneeError extends SwitchboardError {
  constructor(to: string) {
    super('SUPERVISOR.UNKNOWN_ASSIGNEE', 'user', `${to} is not a console user with role supervisor`);
  }
}

/**
 * A reply that states what the case's verified evidence does not support: nothing is sent. `claims` has one line per
 * unsupported sentence (the sentence and why), as the verifier reports them.
 */
export class UnsupportedClaimError extends SwitchboardError {
  constructor(readonly claims: string[]) {
    super('SUPERVISOR.UNSUPPORTED_CLAIM', 'user', `not sent: the reply states what this case's verified evidence does not support: ${claims.join('; ')}`.slice(0, 4000));
  }
}

export interface FeedbackRequest {
  target: { kind: 'step' | 'outcome' | 'note'; ref?: string | undefined };
  rating: 'up' | 'down';
  comment: string;
}

export interface KpiReport {
  from: string;
  to: string;
  groupBy: KpiGroupBy;
  overall: KpiRow;
  groups: KpiRow[];
  escalationReasons: Array<{ reason: string; count: number }>;
}

const EMPTY_KPI: KpiRow = {
  group: 'all', cases: 0, resolved: 0, autoResolved: 0, escalated: 0, autoResolutionRate: null, escalationRate: null, mttrSeconds: null, ttrP50Seconds: null, ttrP90Seconds: null,
  approvals: 0, approvalTurnaroundSeconds: null, tokensPerCase: null, costUsdPerCase: null, reopened: 0, verifiedResolutionRate: null, undelivered: 0,
};

/**
 * The console's use cases: the case view, attributed commands (audit row + outbox row in one transaction, so a
 * decision is recorded exactly when it is sent to `supervisor.commands`), feedback and KPIs.
 */
export class ConsoleService {
  private readonly logger = new JsonLogger(ConsoleService.name);

  constructor(
    private readonly pool: Pool,
    /** Reads only: a case changes through `supervisor.commands`, decided by the machine. */
    private readonly cases: Pick<CaseRepository, 'find' | 'peek'>,
    private readonly repo: ConsoleRepository,
    private readonly bus: KafkaBus,
    private readonly signatures: CommandSignatures,
    private readonly onDecision: (command: string) => void = () => undefined,
    /** Who a case may be reassigned to (the console's supervisors). */
    private readonly assignable: (userId: string) => boolean = () => true,
  ) {}

  async caseView(caseId: string): Promise<Record<string, unknown>> {
    const [found, locked, decisions, feedback] = await Promise.all([
      this.cases.find(caseId), this.cases.peek(caseId), this.repo.decisions(caseId), this.repo.feedbackOf(caseId),
    ]);
    if (!found || !locked) throw new CaseNotFoundError(caseId);
    const s = locked.state;
    const handoff = s.escalation && (s.status === 'ESCALATED' || s.status === 'FAILED') ? handoffPacket(s, s.escalation.reason, s.escalation.breaker) : null;
    // The run's tier with the evidence it rests on, each piece linked to its trace row.
    const outcome = outcomeTier(s, found['trace'] as TierTraceRow[]);
    return { ...found, handoff, decisions, feedback, outcome, draft: draftView(s) };
  }

  async command(caseId: string, request: CommandRequest, actor: Actor): Promise<{ messageId: string; decisionId: string }> {
    const found = await this.cases.peek(caseId);
    if (!found) throw new CaseNotFoundError(caseId);
    const s = found.state;
    // The case rule (case/command-rules.ts), as the machine asks it again on the state the command finds.
    const blocked = commandBlocker(s, request, actor.userId);
    if (blocked?.kind === 'assigned_to_other') throw new AssignedToOtherError(blocked.assignee);
    if (blocked?.kind === 'unsupported_claims') throw new UnsupportedClaimError(blocked.unsupported);
    if (blocked) throw new CommandConflictError(blocked.message ?? blocked.why);
    // Whether `to` is a console supervisor is the console's to know; the case rule only saw the case.
    if (request.command === 'reassign' && !this.assignable(request.to)) throw new UnknownAssigneeError(request.to);
    const sent = request.command === 'send_reply' ? { ...request, run: s.run } : request;
    const command = { ...sent, by: { userId: actor.userId, role: actor.role } } as SupervisorCommand;
    const envelope = this.bus.envelope('supervisor.commands', command, {
      caseId, tenantId: s.tenantId, region: s.region, correlationId: s.correlationId, causationId: null,
    });
    const { command: name, ...args } = sent;
    // What will run on approval is recorded with the decision, as the approver saw it; a reply beside the agents' draft.
    const audited = name === 'approve' && s.approval ? { ...args, tool: s.approval.tool, toolArguments: s.approval.arguments }
      : name === 'send_reply' ? { ...args, proposed: draftView(s).proposed } : args;
    const decisionId = await inTransaction(this.pool, async (tx) => {
      const id = await this.repo.recordDecision(tx, { caseId, actorId: actor.userId, actorRole: actor.role, via: actor.via, command: name, arguments: audited, messageId: envelope.id });
      await Outbox.add(tx, [{ topic: 'supervisor.commands', key: caseId, value: envelope, headers: this.signatures.sign(envelope) }]);
      return id;
    });
    this.onDecision(name);
    this.logger.info('supervisor command sent', { command: name, by: actor.userId, via: actor.via, messageId: envelope.id });
    return { messageId: envelope.id, decisionId };
  }

  async feedback(caseId: string, request: FeedbackRequest, actor: Actor): Promise<{ id: string; at: string }> {
    const found = await this.cases.peek(caseId);
    if (!found) throw new CaseNotFoundError(caseId);
    const s = found.state;
    let subject: Record<string, unknown> = { intent: s.intent ?? null, mode: s.mode, status: s.status };
    if (request.target.kind === 'step') {
      const step = await this.repo.traceStep(caseId, request.target.ref!);
      if (!step) throw new CaseNotFoundError(`${caseId} step ${request.target.ref}`);
      subject = { ...subject, traceKind: step.kind, agent: step.agent, taskId: step.task_id };
    }
    return this.repo.addFeedback({
      caseId, kind: request.target.kind, ref: request.target.ref ?? null, rating: request.rating, comment: request.comment, subject,
      actorId: actor.userId, actorRole: actor.role,
    });
  }

  exportFeedback(from: Date, to: Date): Promise<Array<Record<string, unknown>>> {
    return this.repo.exportFeedback(from, to, 100_000);
  }

  async kpis(from: Date, to: Date, groupBy: KpiGroupBy): Promise<KpiReport> {
    const [overall, groups, escalationReasons] = await Promise.all([
      this.repo.kpis(from, to, 'none'), groupBy === 'none' ? Promise.resolve([]) : this.repo.kpis(from, to, groupBy), this.repo.escalationReasons(from, to),
    ]);
    return { from: from.toISOString(), to: to.toISOString(), groupBy, overall: overall[0] ?? EMPTY_KPI, groups, escalationReasons };
  }
}
