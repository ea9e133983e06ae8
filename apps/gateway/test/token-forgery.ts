import { createHmac } from 'node:crypto';
import { bindTaskToken, sealTaskToken } from '@switchboard/task-tokens';

/**
 * Builds tokens the issuer would never mint (expired, other secret, alg none, edited payload) for rejection tests:
 * the inner JWT is sealed with `secret` (as only a holder of the secret could) and bound with `agentKey`, so each test
 * reaches the check it is about.
 */
export function signForTest(options: { secret: string; agentKey: string; alg?: string; iat?: number; exp?: number; claims?: Record<string, unknown>; tamper?: Record<string, unknown> }): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    caseId: 'case_000000000000000000000000', taskId: 'task_forged', tenantId: 'globex', region: 'us-east-1', agent: 'resolver', mode: 'autonomous',
    tools: ['*'], scopes: ['read', 'write'], seq: 1, iat: options.iat ?? now, exp: options.exp ?? now + 300,
    iss: 'switchboard-supervisor', aud: 'switchboard-gateway', ...options.claims,
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = b64({ alg: options.alg ?? 'HS256', typ: 'JWT' });
  const body = b64(payload);
  const signature = options.alg === 'none' ? '' : createHmac('sha256', options.secret).update(`${header}.${body}`).digest('base64url');
  // Editing the payload after signing, as an attacker changing the tenant would.
  const jws = `${header}.${options.tamper ? b64({ ...payload, ...options.tamper }) : body}.${signature}`;
  return bindTaskToken(sealTaskToken(jws, options.secret), options.agentKey);
}
