import { ToolGateway } from '@switchboard/agent-kit';
import { FakeToolGateway } from '@switchboard/agent-kit/testing';
import { DependencyUnavailableError } from '@switchboard/observability';
import type { Action, SuccessCheck, ToolDescriptor, ToolResult, VerifierTask } from '@switchboard/contracts';
import { VerifierService } from './verifier.service';

const tools: ToolDescriptor[] = [
  { name: 'get_cache_status', description: '', scope: 'read', risk: 'low', inputSchema: {} },
  {
    name: 'reset_tenant_cache', description: '', scope: 'write', risk: 'low', inputSchema: {},
    readBack: { tool: 'get_cache_status', arguments: { tenantId: 'tenantId' }, expect: [{ path: 'status', equals: 'fresh' }] },
  },
  { name: 'poke', description: '', scope: 'write', risk: 'low', inputSchema: {} },
];
const ctx = { caseId: 'case_000000000000000000000003', tenantId: 'globex', region: 'us-east-1', correlationId: 'c', attempt: 0 };
const reset: Action = { toolCallId: 'c1', tool: 'reset_tenant_cache', arguments: { tenantId: 'globex' }, executed: true };
const task = (actions: Action[], draftReply = 'We reset your cache; the dashboard loads again.', extra: Partial<VerifierTask> = {}): VerifierTask =>
  ({ taskId: 'v1', actions, draftReply, summary: 's', mode: 'autonomous', gatewayToken: 'read-token', decision: 'resolved', success: [], context: { entities: {}, slots: {} }, sources: [], ...extra });
const cacheFresh: SuccessCheck = { id: 'cache-fresh', read: 'get_cache_status', with: { tenantId: 'ticket.tenantId' }, expect: 'result.status == "fresh"', says: 'the cache is ${result.status}', topics: ['cache'] };
const facts = { tenantId: 'globex', region: 'us-east-1', source: 'api', externalId: 'T-1', receivedAt: '2026-01-01T00:00:00Z', requesterEmail: 'a@globex.example', priority: 'normal' as const };

describe('VerifierService', () => {
  it('passes an answer that quotes a help-centre article retrieved for the case, and fails one quoting an internal runbook', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: {}, replayed: false }));
    const sut = new VerifierService(gateway);
    const article = 'Each member uses one seat of your plan: when every seat is taken the invite\nis refused with "Seat limit reached".';
    const runbook = '2. Look at the recent login attempts (`get_login_attempts { userId }`). Many attempts from unfamiliar IP addresses suggest credential stuffing.';
    const sources = [{ id: 'help/invite-users.md', audience: 'customer' as const, text: article }, { id: 'runbooks/unlock-account.md', audience: 'internal' as const, text: runbook }];

    const quoted = await sut.handle(task([], `Hello,\n\n${article}\n\nReply to this message if this does not answer your question.`, { decision: 'no_action', sources }), ctx);
    const unquoted = await sut.handle(task([], `Hello,\n\n${article}`, { decision: 'no_action' }), ctx);
    const leaked = await sut.handle(task([], `Hello,\n\n${runbook}`, { decision: 'no_action', sources }), ctx);

    expect(quoted.output).toMatchObject({ verified: true, unsupportedClaims: [] });
    expect(unquoted.output.verified).toBe(false);
    expect(unquoted.output.reason).toContain('states subscription but no evidence shows it');
    expect(leaked.output.verified).toBe(false);
    expect(leaked.output.reason).toContain('quotes runbooks/unlock-account.md, an internal document not written for customers');
  });

  it('verifies a write whose read-back shows the promised state', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: { status: 'fresh' }, replayed: false }));
    const sut = new VerifierService(gateway);

    const { output } = await sut.handle(task([reset]), ctx);

    expect(output).toEqual(expect.objectContaining({ verified: true, unsupportedClaims: [] }));
    expect(output.evidence).toEqual([expect.objectContaining({ tool: 'get_cache_status', observed: 'fresh', passed: true, forAction: 'c1' })]);
    expect(gateway.invocations[0]).toEqual(expect.objectContaining({ token: 'read-token', tool: 'get_cache_status', invocation: expect.objectContaining({ arguments: { tenantId: 'globex' } }) }));
  });

  it('refuses when the state did not change, and the claim is then unsupported', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: { status: 'stale' }, replayed: false }));
    const { output } = await new VerifierService(gateway).handle(task([reset]), ctx);

    expect(output.verified).toBe(false);
    expect(output.reason).toContain('did not take effect');
    expect(output.unsupportedClaims).toHaveLength(1);
  });

  it('refuses a write with no read-back check, a failed re-read, and an empty reply', async () => {
    const failing = new FakeToolGateway(tools, (tool) => ({ status: 'error', tool, error: { code: 'BACKEND_UNAVAILABLE', message: 'down', retryable: true } }));
    const poke: Action = { toolCallId: 'c2', tool: 'poke', arguments: {}, executed: true };

    expect((await new VerifierService(failing).handle(task([poke]), ctx)).output.reason).toContain('no read-back check');
    const reread = await new VerifierService(failing).handle(task([reset]), ctx);
    expect(reread.output.verified).toBe(false);
    expect(reread.toolErrors).toBe(1);
    expect((await new VerifierService(failing).handle(task([], ''), ctx)).output.reason).toContain('empty');
  });

  it('refuses a resolution with no evidence: failed tools, no write, a reply that says everything is fixed', async () => {
    // The case: every backend call failed, the model finished with "resolved" and a confident reply.
    const failing = new FakeToolGateway(tools, (tool) => ({ status: 'error', tool, error: { code: 'BACKEND_UNAVAILABLE', message: 'down', retryable: true } }));
    const noChecks = await new VerifierService(failing).handle(task([], 'Good news: everything is fixed and restored.'), ctx);
    expect(noChecks.output.verified).toBe(false);
    expect(noChecks.output.reason).toContain('no evidence that the problem is solved');

    const withCheck = await new VerifierService(failing).handle(task([], 'Good news: everything is fixed and restored.', { success: [cacheFresh], context: { ticket: facts, entities: {}, slots: {} } }), ctx);
    expect(withCheck.output.verified).toBe(false);
    expect(withCheck.output.reason).toContain('success check cache-fresh: could not read get_cache_status (BACKEND_UNAVAILABLE');
  });

  it('runs success checks after a resolved decision and records what they proved, write or not', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: { status: 'fresh' }, replayed: false }));
    const { output } = await new VerifierService(gateway).handle(task([reset], 'We reset your cache.', { success: [cacheFresh], context: { ticket: facts, entities: {}, slots: {} } }), ctx);
    expect(output.verified).toBe(true);
    expect(output.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'cache-fresh', says: 'the cache is fresh', passed: true, arguments: { tenantId: 'globex' } })]));

    let reads = 0;
    const stale = new FakeToolGateway(tools, (tool): ToolResult => ({ status: 'ok', tool, result: { status: tool === 'get_cache_status' && ++reads > 1 ? 'stale' : 'fresh' }, replayed: false }));
    const still = await new VerifierService(stale).handle(task([reset], 'We reset your cache.', { success: [cacheFresh], context: { ticket: facts, entities: {}, slots: {} } }), ctx);
    expect(still.output.verified).toBe(false);
    expect(still.output.reason).toContain('success check cache-fresh failed');
  });

  it('lets an answer claim no change', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: {}, replayed: false }));
    const answer = await new VerifierService(gateway).handle(task([], 'You can invite users from Settings → Users.', { decision: 'no_action' }), ctx);
    expect(answer.output.verified).toBe(true);
    const claimed = await new VerifierService(gateway).handle(task([], 'I have reset your cache, and you can invite users from Settings.', { decision: 'no_action' }), ctx);
    expect(claimed.output.verified).toBe(false);
    expect(claimed.output.unsupportedClaims).toEqual([expect.stringContaining('claims a change (cache) in an answer that made none')]);
    const paraphrased = await new VerifierService(gateway).handle(task([], 'Alles erledigt: Ihr Konto funktioniert wieder.', { decision: 'no_action' }), ctx);
    expect(paraphrased.output.verified).toBe(false);
  });

  it('reads the tool catalogue only when an executed write needs its read-back check', async () => {
    const gateway = new FakeToolGateway(tools, (tool) => ({ status: 'ok', tool, result: { status: 'fresh' }, replayed: false }));
    const sut = new VerifierService(gateway);
    const proposal: Action = { toolCallId: 'p1', tool: 'reset_tenant_cache', arguments: { tenantId: 'globex' }, executed: false };

    const answer = await sut.handle(task([], 'You can invite users from Settings → Users.', { decision: 'no_action' }), ctx);
    const proposed = await sut.handle(task([proposal], 'A colleague will look at your dashboard.', { decision: 'no_action' }), ctx);
    const checkedOnly = await sut.handle(task([], 'Your cache is fresh again.', { success: [cacheFresh], context: { ticket: facts, entities: {}, slots: {} } }), ctx);
    expect(answer.output.verified).toBe(true);
    expect(proposed.output.evidence).toEqual([]);
    expect(checkedOnly.output.verified).toBe(true);
    expect(gateway.listings).toEqual([]);
    expect(gateway.callsOf('get_cache_status')).toHaveLength(1); // the success check, which needs no catalogue

    await sut.handle(task([reset], 'We reset your cache.'), ctx);
    expect(gateway.listings).toEqual(['read-token']);
  });

  it('verifies an answer without a write while the gateway is unreachable, and hands a write back to the bus', async () => {
    const down = new (class extends ToolGateway {
      session() {
        const fail = async (): Promise<never> => { throw new DependencyUnavailableError('gateway', 'connect ECONNREFUSED'); };
        return { listTools: fail, invoke: fail };
      }
    })();
    const answer = await new VerifierService(down).handle(task([], 'You can invite users from Settings → Users.', { decision: 'no_action' }), ctx);
    expect(answer.output.verified).toBe(true);
    await expect(new VerifierService(down).handle(task([reset]), ctx)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
