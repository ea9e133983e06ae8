import { Injectable } from '@nestjs/common';
import { AgentHandler, ToolGateway, type AgentStepResult, type AgentTaskContext, type TaskOf } from '@switchboard/agent-kit';
import type { Evidence, ToolDescriptor } from '@switchboard/contracts';
import { JsonLogger } from '@switchboard/observability';
import { runSuccessChecks } from '@switchboard/procedures';
import { reviewReply, type EvidenceFacts } from '@switchboard/claims';
import { compare, readArguments } from './read-back';

/**
 * Proves a resolution: every executed write is re-read through its catalogue read-back check (read-scoped tools
 * only); after a `resolved` decision the success checks of the intent and procedure read the state that defines
 * "the problem is gone"; and the drafted reply may claim only what those reads proved. No evidence, no resolution: a
 * `resolved` case needs a passing success check or a verified write, and a `no_action` answer may claim no change.
 * No LLM is involved: the verdict is reproducible from the evidence.
 */
@Injectable()
export class VerifierService extends AgentHandler<'verifier'> {
  readonly agent = 'verifier' as const;
  private readonly logger = new JsonLogger(VerifierService.name);

  constructor(private readonly gateway: ToolGateway) {
    super();
  }

  async handle(task: TaskOf<'verifier'>, _ctx: AgentTaskContext): Promise<AgentStepResult<'verifier'>> {
    const session = this.gateway.session(task.gatewayToken);
    const executed = task.actions.filter((a) => a.executed);
    // The catalogue is read only for the read-back checks of executed writes: an answer without a write (the common
    // how-to ticket) costs the gateway no listing, which is an HTTP call, a token check and a sequence upsert.
    const catalogue = executed.length > 0 ? new Map((await session.listTools()).map((t): [string, ToolDescriptor] => [t.name, t])) : new Map<string, ToolDescriptor>();
    const evidence: Evidence[] = [];
    const verified = new Set<string>();
    const problems: string[] = [];
    let toolErrors = 0;
    let step = 0;

    for (const action of executed) {
      const check = catalogue.get(action.tool)?.readBack;
      if (!check) {
        problems.push(`${action.tool} has no read-back check in the catalogue, so it cannot be proven`);
        continue;
      }
      const args = readArguments(check, action);
      const read = await session.invoke(check.tool, { toolCallId: `verify-${action.toolCallId}`, step: ++step, arguments: args });
      if (read.status !== 'ok') {
        toolErrors++;
        const why = read.status === 'error' ? `${read.error.code}: ${read.error.message}` : 'held';
        evidence.push({ tool: check.tool, arguments: args, expected: check.expect, observed: { error: why }, passed: false, forAction: action.toolCallId });
        problems.push(`could not re-read ${check.tool} for ${action.tool} (${why})`);
        continue;
      }
      const entries = compare(check, action, args, read.result);
      evidence.push(...entries);
      if (entries.every((e) => e.passed)) verified.add(action.toolCallId);
      else problems.push(`${action.tool} did not take effect: ${entries.filter((e) => !e.passed).map((e) => JSON.stringify(e.expected)).join(', ')}`);
    }

    let passedChecks = 0;
    if (task.decision === 'resolved' && task.success.length > 0) {
      const context = { ticket: { ...(task.context.ticket ?? {}) }, entities: task.context.entities, slots: task.context.slots };
      const report = await runSuccessChecks(task.success, context, session, `verify-${task.taskId}`);
      evidence.push(...report.evidence);
      problems.push(...report.failed);
      toolErrors += report.toolErrors;
      passedChecks = report.passed;
    }
    if (task.decision === 'resolved' && passedChecks === 0 && verified.size === 0) {
      problems.push('no evidence that the problem is solved: no success check passed and no write was verified');
    }
    if (task.decision === 'no_action' && task.actions.some((a) => a.executed)) {
      problems.push(`an answer without action executed ${task.actions.filter((a) => a.executed).map((a) => a.tool).join(', ')}`);
    }

    const claims = reviewReply(task.draftReply, this.facts(task, evidence, verified), { decision: task.decision }).unsupported;
    const ok = problems.length === 0 && claims.length === 0 && task.draftReply.trim().length > 0;
    const reason = ok ? undefined : [...problems, ...claims, ...(task.draftReply.trim() ? [] : ['the drafted reply is empty'])].join('; ');
    this.logger.info('verified', { verified: ok, decision: task.decision, checks: evidence.length, passedChecks, verifiedWrites: verified.size, unsupportedClaims: claims.length, procedure: task.procedure });
    return {
      output: { verified: ok, evidence, unsupportedClaims: claims, ...(reason ? { reason } : {}) },
      usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
      toolErrors,
    };
  }

  /**
   * What the reply may claim: the verified writes, the passed success checks with the topics they prove, the
   * identifiers of this case (its tenant, requester, ticket and the entities triage found), and the passages retrieved
   * for it (customer documents it may quote). Nothing the resolver said.
   */
  private facts(task: TaskOf<'verifier'>, evidence: Evidence[], verified: ReadonlySet<string>): EvidenceFacts {
    const topics = new Map(task.success.map((c) => [c.id, c.topics]));
    const t = task.context.ticket;
    const entities = task.context.entities as { emails?: unknown; ids?: unknown; userEmail?: unknown };
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    return {
      verifiedActions: task.actions.filter((a) => a.executed && verified.has(a.toolCallId)).map((a) => ({ tool: a.tool, arguments: a.arguments })),
      passedChecks: evidence.filter((e) => e.passed && e.check).map((e) => ({
        id: e.check!, tool: e.tool, topics: topics.get(e.check!) ?? [],
        ...(e.observed && typeof e.observed === 'object' ? { observed: e.observed as Record<string, unknown> } : {}),
      })),
      knownIdentifiers: [
        ...(t ? [t.tenantId, t.requesterEmail, t.externalId] : []),
        ...strings(entities.emails), ...strings(entities.ids), ...strings(entities.userEmail),
        ...Object.values(task.context.slots).flatMap(strings),
      ],
      sources: task.sources,
    };
  }
}
