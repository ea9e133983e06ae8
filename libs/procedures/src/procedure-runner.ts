import type { Action, PendingApproval, Procedure, RolloutMode, ToolInvocation, ToolResult, TraceStep } from '@switchboard/contracts';
import { canonicalJson } from '@switchboard/contracts';
import { compileExpression, compileTemplate, ExpressionError, isTrue } from './expression';

/**
 * How a procedure reaches tools: the resolver's gateway session (task token, scopes, approvals, write ledger) or a
 * simulated world. Structurally the agent kit's `ToolSession.invoke`.
 */
export interface ProcedureToolPort {
  invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult>;
}

/** What expressions see: the ticket's facts, triage's entities, slot values, passages (and step results as they come). */
export interface ProcedureContext {
  ticket: Record<string, unknown>;
  entities: Record<string, unknown>;
  slots: Record<string, unknown>;
  passages: Array<Record<string, unknown>>;
}

export interface RunOptions {
  mode: RolloutMode;
  /** A held write a human approved: when the procedure reaches the same tool with the same arguments it runs it. */
  approved?: { approvalId: string; tool: string; arguments: Record<string, unknown> };
  /** Waits before one retry of a rate-limited call (capped); tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
}

/** How a run ended, the trace of its steps (each naming the procedure and version), its writes and its reply. */
export interface ProcedureRun {
  outcome: 'resolved' | 'no_action' | 'escalate' | 'needs_approval' | 'proposed';
  reason?: string;
  reply?: string;
  trace: TraceStep[];
  actions: Action[];
  pendingApproval?: PendingApproval;
  /** Results of read and write steps by step id. */
  results: Record<string, unknown>;
  toolErrors: number;
}

const MAX_RATE_LIMIT_WAIT_MS = 5_000;

/**
 * Runs a procedure deterministically: steps in order, `when` conditions on earlier results, reads and writes through
 * the tool port (the gateway decides what is allowed, holds risky writes, replays repeated writes), an escalation step
 * stops the run with its rendered reason, and the reply is rendered from the results. In shadow/assist mode a write is
 * recorded as a proposal and the run stops there. No model is involved.
 *
 * @example
 * const run = await runProcedure(procedure, { ticket, entities, slots, passages: [] }, session, { mode: 'autonomous' });
 * if (run.outcome === 'resolved') reply(run.reply);
 */
export async function runProcedure(p: Procedure, context: ProcedureContext, tools: ProcedureToolPort, options: RunOptions): Promise<ProcedureRun> {
  const label = `${p.id}@${p.version}`;
  const results: Record<string, unknown> = {};
  const scope = (): Record<string, unknown> => ({ ...context, steps: results });
  const run: ProcedureRun = { outcome: 'escalate', trace: [], actions: [], results, toolErrors: 0 };
  const note = (text: string) => run.trace.push({ kind: 'thought', at: new Date().toISOString(), text: `[${label}] ${text}` });
  const stop = (outcome: ProcedureRun['outcome'], reason: string): ProcedureRun => {
    run.outcome = outcome;
    run.reason = reason;
    run.trace.push({ kind: 'final', at: new Date().toISOString(), text: `[${label}] ${outcome}: ${reason}` });
    return run;
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  for (let index = 0; index < p.steps.length; index++) {
    const step = p.steps[index]!;
    try {
      if (step.when && !isTrue(compileExpression(step.when), scope())) {
        if (!('escalate' in step)) note(`step ${step.id} skipped: ${step.when} is false`);
        continue;
      }
      if ('escalate' in step) return stop('escalate', compileTemplate(step.escalate).render(scope()));
      const tool = 'read' in step ? step.read : step.write;
      const args = Object.fromEntries(Object.entries(step.with).map(([k, source]) => [k, compileExpression(source).evaluate(scope())]));
      const call = { toolCallId: `${label}:${step.id}`, step: index + 1, arguments: args };
      if ('write' in step) {
        if (options.mode !== 'autonomous') {
          run.actions.push({ toolCallId: call.toolCallId, tool, arguments: args, executed: false });
          run.trace.push({ kind: 'tool_call', at: new Date().toISOString(), tool, toolCallId: call.toolCallId, arguments: args, text: `[${label}] step ${step.id}: proposed only (${options.mode} mode)` });
          // The reply this run would send, for the human reviewing the proposal: results not known yet show as […].
          run.reply = compileTemplate(p.reply).draft(scope());
          return stop('proposed', `${options.mode} mode: ${tool} ${canonicalJson(args)} is proposed for a human, not executed`);
        }
        const approved = options.approved && options.approved.tool === tool && canonicalJson(options.approved.arguments) === canonicalJson(args) ? options.approved : undefined;
        if (options.approved && !approved) note(`the approved ${options.approved.tool} does not match step ${step.id} (${tool} ${canonicalJson(args)})`);
        const result = await invoke(tool, { ...call, ...(approved ? { approvalId: approved.approvalId } : {}) }, step.id);
        if (result.status === 'held') {
          run.pendingApproval = { approvalId: result.approvalId, tool, arguments: args, reason: result.reason, expiresAt: result.expiresAt };
          return stop('needs_approval', `${tool} waits for approval: ${result.reason}`);
        }
        if (result.status === 'error') return stop('escalate', `${tool} failed at step ${step.id}: ${result.error.code}: ${result.error.message}`);
        run.actions.push({ toolCallId: call.toolCallId, tool, arguments: args, result: result.result, executed: true });
        results[step.id] = result.result;
      } else {
        const result = await invoke(tool, call, step.id);
        if (result.status !== 'ok') {
          const why = result.status === 'error' ? `${result.error.code}: ${result.error.message}` : `unexpected hold: ${result.reason}`;
          return stop('escalate', `${tool} failed at step ${step.id}: ${why}`);
        }
        results[step.id] = result.result;
      }
    } catch (error) {
      if (error instanceof ExpressionError) return stop('escalate', `procedure ${label} step ${step.id} could not be evaluated: ${error.message}`);
      throw error;
    }
  }

  try {
    run.reply = compileTemplate(p.reply).render(scope());
  } catch (error) {
    if (error instanceof ExpressionError) return stop('escalate', `procedure ${label}: the reply could not be rendered: ${error.message}`);
    throw error;
  }
  return stop(p.decision, `procedure ${label} completed`);

  async function invoke(tool: string, invocation: ToolInvocation, stepId: string): Promise<ToolResult> {
    run.trace.push({ kind: 'tool_call', at: new Date().toISOString(), tool, toolCallId: invocation.toolCallId, arguments: invocation.arguments, text: `[${label}] step ${stepId}` });
    const started = Date.now();
    let result = await tools.invoke(tool, invocation);
    if (result.status === 'error' && result.error.code === 'RATE_LIMITED' && (result.error.retryAfterMs ?? 0) <= MAX_RATE_LIMIT_WAIT_MS) {
      await sleep(result.error.retryAfterMs ?? 1_000);
      result = await tools.invoke(tool, invocation);
    }
    const latencyMs = Date.now() - started;
    if (result.status === 'error') {
      run.toolErrors++;
      run.trace.push({ kind: 'observation', at: new Date().toISOString(), tool, toolCallId: invocation.toolCallId, error: { code: result.error.code, message: result.error.message }, latencyMs });
    } else {
      run.trace.push({ kind: 'observation', at: new Date().toISOString(), tool, toolCallId: invocation.toolCallId, result: result.status === 'ok' ? result.result : result, latencyMs });
    }
    return result;
  }
}
