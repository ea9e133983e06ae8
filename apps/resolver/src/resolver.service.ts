import { Inject, Injectable } from '@nestjs/common';
import type { ResolverOutput, ToolDescriptor } from '@switchboard/contracts';
import { LlmPort } from '@switchboard/llm';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ProcedurePath } from './procedure-path';
import {
  addUsage, briefing, FINISH_TOOL, FinishSchema, LoopState, observationText, pendingFrom, runTool, SYSTEM_PROMPT, toolSpecs,
} from './react-loop';
import { RESOLVER_CONFIG, type ResolverConfig } from './resolver.config';
import { AgentHandler, AgentStepError, ToolGateway, type AgentStepResult, type AgentTaskContext, type TaskOf, type ToolSession } from '@switchboard/agent-kit';

/**
 * Resolves a case. When procedures match the case's intent and tenant, one runs deterministically (the model only
 * picks among several and fills slots the entities leave open: {@link ProcedurePath}). Otherwise the ReAct loop:
 * thought → tool call through the gateway → observation, until the model finishes, a write is held for approval, or
 * a budget stops it. Tool errors are fed back to the model (self-correction); the same failing call repeated stops the
 * loop. In shadow/assist modes write calls are recorded as proposals and never sent. Either way the task token decides
 * which tools can be called at all.
 */
@Injectable()
export class ResolverService extends AgentHandler<'resolver'> {
  readonly agent = 'resolver' as const;
  private readonly logger = new JsonLogger(ResolverService.name);
  private readonly procedures: ProcedurePath;

  constructor(
    private readonly llm: LlmPort,
    private readonly gateway: ToolGateway,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {
    super();
    this.procedures = new ProcedurePath(llm);
  }

  async handle(task: TaskOf<'resolver'>, ctx: AgentTaskContext): Promise<AgentStepResult<'resolver'>> {
    const state = new LoopState();
    const session = this.gateway.session(task.gatewayToken);
    if (task.procedures.length > 0) {
      const llmCtx = { caseId: ctx.caseId, region: ctx.region, agent: 'resolver', tenantId: ctx.tenantId };
      let path;
      try {
        path = await this.procedures.resolve(task, llmCtx, session);
      } catch (error) {
        throw AgentStepError.wrap(error);
      }
      if (path.kind === 'output') {
        this.logger.info('resolver finished', { decision: path.output.decision, procedure: path.output.procedure, actions: path.output.actions.length, toolErrors: path.toolErrors, llmCalls: path.usage.llmCalls });
        return { output: path.output, usage: path.usage, toolErrors: path.toolErrors };
      }
      state.usage = path.usage;
      state.record({ kind: 'thought', text: `no procedure: ${path.why}; free loop` });
    }
    if (!this.config.RESOLVER_FREE_LOOP) {
      const why = `no procedure covers intent ${task.triage.intent} here and the free loop is off in this deployment (RESOLVER_FREE_LOOP=false); a human handles the ticket`;
      state.record({ kind: 'final', text: why });
      return this.done(state, state.output('escalate', { summary: why, escalationReason: why }));
    }
    const tools = await this.listTools(session);
    const byName = new Map(tools.map((t) => [t.name, t]));

    let approvedNote: string | undefined;
    if (task.approved) {
      const call = { id: `approved-${task.approved.approvalId}`, name: task.approved.tool, arguments: task.approved.arguments };
      const result = await runTool(session, state, call, task.approved.approvalId);
      if (result.status === 'ok') state.actions.push({ toolCallId: call.id, tool: call.name, arguments: call.arguments, result: result.result, executed: true });
      approvedNote = `A supervisor approved ${call.name} ${JSON.stringify(call.arguments)}. It was executed by the system: ${observationText(result)}`;
      if (result.status !== 'ok') {
        return this.done(state, state.output('escalate', { summary: `the approved ${call.name} did not run`, escalationReason: observationText(result), findings: [approvedNote] }));
      }
    }

    state.messages.push({ role: 'user', content: briefing(task, approvedNote) });
    let nudged = false;
    for (let step = 1; step <= task.maxSteps; step++) {
      const response = await this.chat(state, tools, ctx);
      if (response.text.trim()) state.record({ kind: 'thought', text: response.text.trim() });
      if (response.toolCalls.length === 0) {
        if (nudged) return this.done(state, state.output('escalate', { summary: 'the model stopped without finishing', escalationReason: 'no tool call and no finish', findings: [response.text.slice(0, 500)] }));
        nudged = true;
        state.messages.push({ role: 'assistant', content: response.text });
        state.messages.push({ role: 'user', content: `Call a tool, or ${FINISH_TOOL} to finish.` });
        continue;
      }
      state.messages.push({ role: 'assistant', content: response.text, toolCalls: response.toolCalls });
      for (const call of response.toolCalls) {
        if (call.name === FINISH_TOOL) {
          const finish = FinishSchema.safeParse(call.arguments);
          if (finish.success) {
            state.record({ kind: 'final', text: finish.data.summary });
            return this.done(state, state.output(finish.data.decision, finish.data));
          }
          state.messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify({ ok: false, error: { code: 'ARGUMENTS_INVALID', message: finish.error.message } }) });
          continue;
        }
        const descriptor = byName.get(call.name);
        if (descriptor?.scope === 'write' && (task.mode !== 'autonomous' || descriptor.callable === false)) {
          state.actions.push({ toolCallId: call.id, tool: call.name, arguments: call.arguments, executed: false });
          state.record({ kind: 'tool_call', tool: call.name, toolCallId: call.id, arguments: call.arguments, text: `proposed only (${task.mode} mode)` });
          state.messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify({ ok: false, proposed: true, message: `${task.mode} mode: recorded as a proposal for a human, not executed` }) });
          continue;
        }
        const result = await runTool(session, state, call);
        if (result.status === 'held') {
          const pendingApproval = pendingFrom(result, call.arguments);
          return this.done(state, state.output('needs_approval', { summary: `${call.name} waits for approval: ${result.reason}`, pendingApproval, findings: [`${call.name} ${JSON.stringify(call.arguments)} needs approval`] }));
        }
        if (result.status === 'ok' && descriptor?.scope === 'write') {
          state.actions.push({ toolCallId: call.id, tool: call.name, arguments: call.arguments, result: result.result, executed: true });
        }
        if (result.status === 'error' && state.failed(call.name, call.arguments) >= this.config.RESOLVER_MAX_REPEATED_FAILURES) {
          return this.done(state, state.output('escalate', {
            summary: `${call.name} kept failing with ${result.error.code}`,
            escalationReason: `repeated failing action: ${call.name} (${result.error.code}: ${result.error.message})`,
            findings: [`${call.name} ${JSON.stringify(call.arguments)} → ${result.error.code}`],
          }));
        }
        state.messages.push({ role: 'tool', toolCallId: call.id, content: observationText(result) });
      }
    }
    return this.done(state, state.output('escalate', { summary: `no resolution within ${task.maxSteps} steps`, escalationReason: 'resolver step budget exhausted' }));
  }

  private async listTools(session: ToolSession): Promise<ToolDescriptor[]> {
    try {
      return await session.listTools();
    } catch (error) {
      throw new AgentStepError('RESOLVER.GATEWAY_UNAVAILABLE', 'third_party', `could not list tools: ${describeError(error).message}`, undefined, { cause: error });
    }
  }

  private async chat(state: LoopState, tools: ToolDescriptor[], ctx: AgentTaskContext) {
    try {
      const response = await this.llm.chat(
        { system: SYSTEM_PROMPT, messages: state.messages, tools: toolSpecs(tools), maxTokens: 800, temperature: 0 },
        { caseId: ctx.caseId, region: ctx.region, agent: 'resolver', tenantId: ctx.tenantId },
      );
      state.usage = addUsage(state.usage, response);
      return response;
    } catch (error) {
      throw AgentStepError.wrap(error, state.usage);
    }
  }

  private done(state: LoopState, output: ResolverOutput): AgentStepResult<'resolver'> {
    this.logger.info('resolver finished', { decision: output.decision, steps: state.steps.length, actions: state.actions.length, toolErrors: state.toolErrors });
    return { output, usage: state.usage, toolErrors: state.toolErrors };
  }
}
