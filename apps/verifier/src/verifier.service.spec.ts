import { FakeToolGateway } from '@switchboard/agent-kit/testing';
import type { Action, ToolDescriptor, VerifierTask } from '@switchboard/contracts';
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
const task = (actions: Action[], draftReply = 'We reset your cache; the dashboard loads again.'): VerifierTask =>
  ({ taskId: 'v1', actions, draftReply, summary: 's', mode: 'autonomous', gatewayToken: 'read-token' });

describe('VerifierService', () => {
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
});
