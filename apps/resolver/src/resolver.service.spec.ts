import { FakeToolGateway } from '@switchboard/agent-kit/testing';
import type { ResolverTask, ToolDescriptor, ToolResult } from '@switchboard/contracts';
import type { ChatRequest } from '@switchboard/llm';
import { ScriptedLlm } from '@switchboard/llm/testing';
import type { ResolverConfig } from './resolver.config';
import { ResolverService } from './resolver.service';

const tools: ToolDescriptor[] = [
  { name: 'get_cache_status', description: 'cache', scope: 'read', risk: 'low', inputSchema: { type: 'object' } },
  { name: 'reset_tenant_cache', description: 'reset', scope: 'write', risk: 'low', inputSchema: { type: 'object' } },
  { name: 'issue_refund', description: 'refund', scope: 'write', risk: 'high', inputSchema: { type: 'object' } },
];
const config = { RESOLVER_MAX_REPEATED_FAILURES: 2, RESOLVER_FREE_LOOP: true } as ResolverConfig;
const ctx = { caseId: 'case_000000000000000000000001', tenantId: 'globex', region: 'us-east-1', correlationId: 'c', attempt: 0 };

function task(overrides: Partial<ResolverTask> = {}): ResolverTask {
  return {
    taskId: 't1', subject: 'Dashboard blank', body: 'blank since yesterday', mode: 'autonomous', gatewayToken: 'tok', maxSteps: 6, previousFindings: [], passages: [], procedures: [],
    triage: { intent: 'dashboard_cache', priority: 'high', confidence: 0.97, entities: { tenantId: 'globex', amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 'blank dashboard', redactedBody: 'blank' },
    ...overrides,
  };
}

const call = (name: string, args: Record<string, unknown>, id = `call-${name}`) => ({ text: '', toolCalls: [{ id, name, arguments: args }], stopReason: 'tool_use' as const });
const finish = (decision: string, draftReply = '') => call('finish_case', { decision, summary: `${decision}!`, draftReply });
const ok = (tool: string, result: unknown): ToolResult => ({ status: 'ok', tool, result, replayed: false });

describe('ResolverService', () => {
  it('reads, writes through the gateway, and finishes with the executed action', async () => {
    const llm = new ScriptedLlm({ resolver: [call('get_cache_status', { tenantId: 'globex' }), call('reset_tenant_cache', { tenantId: 'globex' }), finish('resolved', 'We reset your cache.')] });
    const gateway = new FakeToolGateway(tools, (tool) => ok(tool, { status: tool === 'reset_tenant_cache' ? 'fresh' : 'stale' }));
    const sut = new ResolverService(llm, gateway, config);

    const { output, usage } = await sut.handle(task(), ctx);

    expect(output.decision).toBe('resolved');
    expect(output.actions).toEqual([expect.objectContaining({ tool: 'reset_tenant_cache', executed: true })]);
    expect(output.steps.map((s) => s.kind)).toEqual(['tool_call', 'observation', 'tool_call', 'observation', 'final']);
    expect(gateway.invocations.map((i) => i.token)).toEqual(['tok', 'tok']);
    expect(usage.llmCalls).toBe(3);
    expect(usage.models).toEqual(['scripted']);
    llm.assertDone();
  });

  it('names its gateway calls by tool, arguments and repetition, never by the provider\'s call id, so a re-run replays its writes', async () => {
    // A real provider names every tool call anew (Bedrock toolUseId, Ollama): a re-run after a crash must still give
    // the gateway the same reference for the same write, or its idempotency key would let the write run twice.
    let n = 0;
    const fresh = (name: string, args: Record<string, unknown>) => call(name, args, `provider-id-${++n}-${Math.random()}`);
    const script = () => [fresh('get_cache_status', { tenantId: 'globex' }), fresh('reset_tenant_cache', { tenantId: 'globex' }), fresh('reset_tenant_cache', { tenantId: 'globex' }), finish('resolved', 'We reset your cache.')];
    const refs: Array<Array<[string, string, number]>> = [];
    for (let run = 0; run < 2; run++) {
      const gateway = new FakeToolGateway(tools, (tool) => ok(tool, { status: 'fresh' }));
      await new ResolverService(new ScriptedLlm({ resolver: script() }), gateway, config).handle(task(), ctx);
      refs.push(gateway.invocations.map((i) => [i.tool, i.invocation.toolCallId, i.invocation.step]));
    }

    expect(refs[1]).toEqual(refs[0]);
    const [, first, second] = refs[0]!;
    expect(first![0]).toBe('reset_tenant_cache');
    expect(second![1]).not.toBe(first![1]); // the same write asked for twice in one run is two writes
    expect(refs[0]!.some(([, id]) => id.startsWith('provider-id'))).toBe(false);
  });

  it('shows the model a tool error and lets it correct itself', async () => {
    const llm = new ScriptedLlm({ resolver: [call('get_cache_status', { tenant: 'globex' }, 'a'), call('get_cache_status', { tenantId: 'globex' }, 'b'), finish('no_action', 'Your cache is fine.')] });
    const gateway = new FakeToolGateway(tools, (tool, inv) =>
      'tenantId' in inv.arguments ? ok(tool, { status: 'fresh' }) : { status: 'error', tool, error: { code: 'ARGUMENTS_INVALID', message: 'tenantId is required', retryable: false } });
    const sut = new ResolverService(llm, gateway, config);

    const { output, toolErrors } = await sut.handle(task(), ctx);

    expect(output.decision).toBe('no_action');
    expect(toolErrors).toBe(1);
    const secondCall = llm.chatCallsOf('resolver')[1] as ChatRequest;
    expect(JSON.stringify(secondCall.messages.at(-1))).toContain('ARGUMENTS_INVALID');
  });

  it('stops when the same call keeps failing', async () => {
    const llm = new ScriptedLlm({ resolver: () => call('get_cache_status', { tenantId: 'globex' }) });
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'error', tool, error: { code: 'BACKEND_UNAUTHORIZED', message: '401 from backend', retryable: false } }));
    const sut = new ResolverService(llm, gateway, config);

    const { output } = await sut.handle(task(), ctx);

    expect(output.decision).toBe('escalate');
    expect(output.escalationReason).toContain('repeated failing action');
    expect(gateway.callsOf('get_cache_status')).toHaveLength(2);
  });

  it('returns a held write as a request for approval', async () => {
    const llm = new ScriptedLlm({ resolver: [call('issue_refund', { tenantId: 'globex', invoiceId: 'INV-1', amount: 500 })] });
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'held', tool, approvalId: 'apr_1', reason: 'amount 500 > 100', expiresAt: '2026-11-22T00:00:00Z' }));
    const sut = new ResolverService(llm, gateway, config);

    const { output } = await sut.handle(task(), ctx);

    expect(output.decision).toBe('needs_approval');
    expect(output.pendingApproval).toEqual(expect.objectContaining({ approvalId: 'apr_1', tool: 'issue_refund', arguments: { tenantId: 'globex', invoiceId: 'INV-1', amount: 500 } }));
  });

  it('never sends a write in shadow mode and records it as a proposal', async () => {
    const llm = new ScriptedLlm({ resolver: [call('reset_tenant_cache', { tenantId: 'globex' }), finish('resolved')] });
    const gateway = new FakeToolGateway(tools, () => { throw new Error('no call expected'); });
    const sut = new ResolverService(llm, gateway, config);

    const { output } = await sut.handle(task({ mode: 'shadow' }), ctx);

    expect(gateway.invocations).toHaveLength(0);
    expect(output.actions).toEqual([expect.objectContaining({ tool: 'reset_tenant_cache', executed: false })]);
  });

  it('executes an approved action with its approval id before asking the model', async () => {
    const args = { tenantId: 'globex', invoiceId: 'INV-1', amount: 500 };
    const llm = new ScriptedLlm({ resolver: [finish('resolved', 'We refunded 500.')] });
    const gateway = new FakeToolGateway(tools, (tool) => ok(tool, { refundId: 'rf_1' }));
    const sut = new ResolverService(llm, gateway, config);

    const { output } = await sut.handle(task({ approved: { approvalId: 'apr_1', tool: 'issue_refund', arguments: args, reason: 'over threshold' } }), ctx);

    expect(gateway.invocations[0]).toEqual(expect.objectContaining({ tool: 'issue_refund', invocation: expect.objectContaining({ approvalId: 'apr_1', arguments: args }) }));
    expect(output.actions).toEqual([expect.objectContaining({ tool: 'issue_refund', executed: true })]);
    expect(output.decision).toBe('resolved');
  });
});
