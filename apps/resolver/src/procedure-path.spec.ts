import { join } from 'node:path';
import { FakeToolGateway } from '@switchboard/agent-kit/testing';
import type { ResolverTask, ToolResult } from '@switchboard/contracts';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { loadProcedureSet } from '@switchboard/procedures';
import type { ResolverConfig } from './resolver.config';
import { ResolverService } from './resolver.service';

const set = loadProcedureSet(join(__dirname, '..', '..', '..', 'procedures'));
const config = { RESOLVER_MAX_REPEATED_FAILURES: 2, RESOLVER_FREE_LOOP: true } as ResolverConfig;
const ctx = { caseId: 'case_000000000000000000000001', tenantId: 'globex', region: 'us-east-1', correlationId: 'c', attempt: 0 };
const ok = (tool: string, result: unknown): ToolResult => ({ status: 'ok', tool, result, replayed: false });
const facts = { tenantId: 'globex', region: 'us-east-1', source: 'api', externalId: 'DEMO-2', receivedAt: '2026-01-01T00:00:00Z', requesterEmail: 'hank@globex.example', priority: 'normal' as const };

function task(intent: string, entities: Record<string, unknown>, body: string, overrides: Partial<ResolverTask> = {}): ResolverTask {
  return {
    taskId: 't1', subject: 'Help', body, mode: 'autonomous', gatewayToken: 'tok', maxSteps: 6, previousFindings: [], passages: [], ticket: facts,
    procedures: set.forCase(intent, 'globex'),
    triage: { intent, priority: 'normal', confidence: 0.97, entities: { tenantId: 'globex', amounts: [], ids: [], ...entities }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: body, redactedBody: body },
    ...overrides,
  } as ResolverTask;
}

describe('ResolverService with procedures', () => {
  it('runs the matching procedure without asking the model when the entities fill every slot', async () => {
    const llm = new ScriptedLlm({});
    let locked = true;
    const gateway = new FakeToolGateway([], (tool, inv) => {
      if (tool === 'get_user') return ok(tool, { email: inv.arguments['email'], locked, failedAttempts: locked ? 5 : 0 });
      if (tool === 'get_login_attempts') return ok(tool, { attempts: [] });
      if (tool === 'unlock_account') { locked = false; return ok(tool, { email: inv.arguments['email'], locked: false }); }
      return undefined as unknown as ToolResult;
    });
    const { output, usage } = await new ResolverService(llm, gateway, config).handle(task('account_lockout', { emails: ['hank@globex.example'] }, 'My account hank@globex.example is locked.'), ctx);

    expect(output.decision).toBe('resolved');
    expect(output.procedure).toEqual({ id: 'unlock-locked-user', version: 1 });
    expect(output.slots).toEqual({ email: 'hank@globex.example' });
    expect(output.draftReply).toContain('we unlocked the account hank@globex.example; you can sign in again now');
    expect(gateway.invocations.map((i) => i.tool)).toEqual(['get_user', 'get_login_attempts', 'unlock_account']);
    expect(usage.llmCalls).toBe(0);
    expect(output.steps.filter((s) => s.kind === 'tool_call').every((s) => s.text?.includes('[unlock-locked-user@1]'))).toBe(true);
  });

  it('asks the model only for a slot the entities leave open, among the candidates, and escalates on a value not in the ticket', async () => {
    const locked = (tool: string, inv: { arguments: Record<string, unknown> }) =>
      tool === 'get_user' ? ok(tool, { email: inv.arguments['email'], locked: true, failedAttempts: 5 }) : tool === 'get_login_attempts' ? ok(tool, { attempts: [] }) : ok(tool, { locked: false });
    const picked = new ScriptedLlm({ resolver: [{ json: { email: 'bob@globex.example' } }] });
    const body = 'Please unlock bob@globex.example, not hank@globex.example.';
    const first = await new ResolverService(picked, new FakeToolGateway([], locked), config).handle(task('account_lockout', { emails: ['bob@globex.example', 'hank@globex.example'] }, body), ctx);
    expect(first.output.slots).toEqual({ email: 'bob@globex.example' });
    expect(picked.chatCallsOf('resolver')[0]!.responseSchema).toEqual(expect.objectContaining({ required: ['email'] }));

    const invented = new ScriptedLlm({ resolver: [{ json: { email: 'eve@evil.example' } }, { json: { email: 'eve@evil.example' } }] });
    const second = await new ResolverService(invented, new FakeToolGateway([], locked), config).handle(task('account_lockout', { emails: ['bob@globex.example', 'hank@globex.example'] }, body), ctx);
    expect(second.output.decision).toBe('escalate');
    expect(second.output.escalationReason).toContain('slot email');
  });

  it('re-runs after an approval with the same slots, passing the approval to the same write', async () => {
    const invoice = { id: 'inv_globex_1001', number: 'GX-1001', status: 'paid', currency: 'USD', amount: 250, refundedTotal: 0, remaining: 250, refunds: [] };
    const gateway = new FakeToolGateway([], (tool, inv) => tool === 'get_invoice' ? ok(tool, invoice) : inv.approvalId ? ok(tool, { id: 'ref_1' }) : { status: 'held', tool, approvalId: 'apr_7', reason: 'above 100', expiresAt: '2099-01-01T00:00:00Z' });
    const body = 'Charged twice for inv_globex_1001, please refund $150.';
    const held = await new ResolverService(new ScriptedLlm({}), gateway, config).handle(task('refund', { ids: ['inv_globex_1001'], amounts: [150] }, body), ctx);
    expect(held.output.decision).toBe('needs_approval');

    const approved = await new ResolverService(new ScriptedLlm({}), gateway, config).handle(
      task('refund', { ids: [], amounts: [] }, body, { slots: held.output.slots!, approved: held.output.pendingApproval! }), ctx);
    expect(approved.output.decision).toBe('resolved');
    expect(gateway.callsOf('issue_refund').at(-1)).toEqual(expect.objectContaining({ approvalId: 'apr_7', arguments: expect.objectContaining({ amount: 150, invoiceId: 'inv_globex_1001' }) }));
    expect(approved.output.draftReply).toContain('we refunded $150 on invoice GX-1001');
  });
});

describe('ResolverService without a procedure', () => {
  it('hands the ticket to a human at once when the free loop is off, without calling the model or a tool', async () => {
    const llm = new ScriptedLlm({});
    const gateway = new FakeToolGateway([], () => undefined as unknown as ToolResult);
    const { output, usage } = await new ResolverService(llm, gateway, { ...config, RESOLVER_FREE_LOOP: false }).handle(task('other', {}, 'Please update our postal address.', { procedures: [] }), ctx);
    expect(output.decision).toBe('escalate');
    expect(output.escalationReason).toContain('RESOLVER_FREE_LOOP=false');
    expect(usage.llmCalls).toBe(0);
    expect(gateway.invocations).toEqual([]);
  });
});
