import { ScriptedGatewayClient } from './index';

describe('ScriptedGatewayClient', () => {
  const ok = { status: 'ok' as const, tool: 'get_tenant', result: { id: 'globex' }, replayed: false };

  it('answers scripted calls in order and checks arguments', async () => {
    const sut = new ScriptedGatewayClient([], [{ tool: 'get_tenant', arguments: { tenantId: 'globex' }, result: ok }]);
    expect(await sut.invoke('get_tenant', { toolCallId: 'c', step: 1, arguments: { tenantId: 'globex' } })).toEqual(ok);
    sut.assertDone();
  });

  it('fails on unexpected calls, wrong arguments and unmade calls', async () => {
    const sut = new ScriptedGatewayClient([], [{ tool: 'get_tenant', arguments: { tenantId: 'globex' }, result: ok }, { tool: 'get_trial', result: ok }]);
    await expect(sut.invoke('get_tenant', { toolCallId: 'c', step: 1, arguments: { tenantId: 'initech' } })).rejects.toThrow(/expected/);
    expect(() => sut.assertDone()).toThrow(/get_trial/);
    await expect(new ScriptedGatewayClient([], []).invoke('x', { toolCallId: 'c', step: 1, arguments: {} })).rejects.toThrow(/unexpected/);
  });
});
