import { bindTaskToken, GatewayAgentConfigSchema, GatewayAgentKeysConfigSchema, splitBoundToken, verifyAgentProof } from './index';

const RESOLVER = 'resolver-agent-key-0123456789abcdef0123';
const VERIFIER = 'verifier-agent-key-0123456789abcdef0123';

describe('agent binding of task tokens', () => {
  it('binds a token to an agent key: the proof verifies with that key only', () => {
    const bound = bindTaskToken('token.a.b.c.d', RESOLVER);
    const { token, proof } = splitBoundToken(bound);
    expect(token).toBe('token.a.b.c.d');
    expect(verifyAgentProof(token, proof!, [RESOLVER])).toBe(true);
    expect(verifyAgentProof(token, proof!, [VERIFIER])).toBe(false);
    expect(verifyAgentProof(token, proof!, [])).toBe(false);
    expect(verifyAgentProof('token.a.b.c.e', proof!, [RESOLVER])).toBe(false);
    expect(verifyAgentProof(token, `${proof}x`, [RESOLVER])).toBe(false);
    // Rotation: any of the agent's listed keys.
    expect(verifyAgentProof(token, proof!, [VERIFIER, RESOLVER])).toBe(true);
  });

  it('reads a bare token as one without a proof', () => {
    expect(splitBoundToken('token.a.b.c.d')).toEqual({ token: 'token.a.b.c.d' });
  });

  it('config: the gateway lists keys per agent; an agent holds its own', () => {
    expect(GatewayAgentKeysConfigSchema.parse({ GATEWAY_AGENT_KEYS: `resolver:${RESOLVER}, verifier:${VERIFIER},resolver:${VERIFIER}` }).GATEWAY_AGENT_KEYS)
      .toEqual({ resolver: [RESOLVER, VERIFIER], verifier: [VERIFIER] });
    for (const bad of ['', 'resolver:short', `janitor:${RESOLVER}`, RESOLVER]) expect(GatewayAgentKeysConfigSchema.safeParse({ GATEWAY_AGENT_KEYS: bad }).success).toBe(false);
    expect(GatewayAgentConfigSchema.safeParse({ GATEWAY_AGENT_KEY: RESOLVER }).success).toBe(true);
    for (const bad of [undefined, 'short', `${RESOLVER}~x`]) expect(GatewayAgentConfigSchema.safeParse({ GATEWAY_AGENT_KEY: bad }).success).toBe(false);
  });
});
