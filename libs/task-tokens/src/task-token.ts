import { z } from 'zod';
import { TaskTokenClaimsSchema, type TaskTokenClaims } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { decryptDir, encryptDir, taskTokenEncryptionKey } from './jwe-dir';
import { signHs256, verifyHs256 } from './jwt-hs256';

const ISSUER = 'switchboard-supervisor';
const AUDIENCE = 'switchboard-gateway';

/**
 * Config fragment shared by the token issuer (supervisor) and verifier (gateway).
 *
 * @example
 * const SupervisorConfigSchema = StoreConfigSchema.extend(GatewayTokenConfigSchema.shape);
 */
export const GatewayTokenConfigSchema = z.object({
  GATEWAY_TOKEN_SECRET: z.string().min(32, 'GATEWAY_TOKEN_SECRET must be at least 32 characters'),
});
export type GatewayTokenConfig = z.infer<typeof GatewayTokenConfigSchema>;

/** Claims the issuer fills in itself. */
export type TaskTokenRequest = Omit<TaskTokenClaims, 'iat' | 'exp'>;

/**
 * A task token that is missing its signature, forged, malformed or expired. `code` is the gateway error code
 * (`TOKEN_INVALID` | `TOKEN_EXPIRED`) the agent sees.
 *
 * @example
 * try { await verifyTaskToken(token, secret); } catch (e) { if (e instanceof TaskTokenError) e.code; }
 */
export class TaskTokenError extends SwitchboardError {
  constructor(override readonly code: 'TOKEN_INVALID' | 'TOKEN_EXPIRED', message: string) {
    super(code, 'user', message);
  }
}

/**
 * Encrypts a signed task token (a JWS) to the gateway: a compact JWE, `dir` + A256GCM, under a key derived from
 * GATEWAY_TOKEN_SECRET. What travels on the bus and rests in the outbox is then opaque to anyone without that secret.
 *
 * @example
 * const sealed = sealTaskToken(jws, config.GATEWAY_TOKEN_SECRET); // 'eyJhbGciOiJkaXIi…'
 */
export function sealTaskToken(jws: string, secret: string): string {
  return encryptDir(jws, taskTokenEncryptionKey(secret));
}

/**
 * Supervisor side: mints the short-lived task token an agent task presents to the gateway: an HS256 JWT carrying case,
 * tenant, agent, allowed tools, scopes, mode and the case's dispatch sequence number (`seq`: the gateway refuses a token
 * once a newer task of the case has called), encrypted to the gateway ({@link sealTaskToken}). The agent never sees
 * a backend credential, and the token is bound to its agent: the gateway accepts it only with that agent's proof
 * ({@link bindTaskToken}), so a copy read from the bus or the outbox is useless.
 *
 * @example
 * const issuer = new TaskTokenIssuer(config.GATEWAY_TOKEN_SECRET);
 * const token = await issuer.issue({ caseId, taskId, tenantId: 'globex', region: 'us-east-1', agent: 'resolver',
 *   mode: 'autonomous', tools: ['*'], scopes: ['read', 'write'], seq: state.seq }, 900);
 */
export class TaskTokenIssuer {
  constructor(
    private readonly secret: string,
    private readonly clock: () => number = Date.now,
  ) {
    GatewayTokenConfigSchema.shape.GATEWAY_TOKEN_SECRET.parse(secret);
  }

  async issue(claims: TaskTokenRequest, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
    const iat = Math.floor(this.clock() / 1000);
    const full = TaskTokenClaimsSchema.parse({ ...claims, iat, exp: iat + ttlSeconds });
    return sealTaskToken(signHs256({ ...full, iss: ISSUER, aud: AUDIENCE, sub: `${full.agent}:${full.taskId}` }, this.secret), this.secret);
  }
}

/**
 * Gateway side: decrypts the token, verifies signature, issuer, audience and expiry, then parses the claims with the
 * contract schema. (The agent binding is checked by {@link verifyAgentProof}.)
 *
 * @example
 * const claims = await verifyTaskToken(bearer, config.GATEWAY_TOKEN_SECRET); // throws TaskTokenError
 */
export async function verifyTaskToken(
  token: string,
  secret: string,
  options: { clockToleranceSeconds?: number; now?: () => number } = {},
): Promise<TaskTokenClaims> {
  const opened = decryptDir(token, taskTokenEncryptionKey(secret));
  if ('failure' in opened) {
    const why = {
      malformed: 'token is not an encrypted task token (a compact JWE)',
      algorithm: 'token must be encrypted with dir + A256GCM',
      decryption: 'token does not decrypt with the gateway key: forged, altered, or minted by another deployment',
    };
    throw new TaskTokenError('TOKEN_INVALID', why[opened.failure]);
  }
  const verified = verifyHs256(opened.plaintext, secret);
  if ('failure' in verified) {
    const why = { malformed: 'token is not a well-formed JWT', algorithm: 'token must be signed with HS256', signature: 'token signature does not verify' };
    throw new TaskTokenError('TOKEN_INVALID', why[verified.failure]);
  }
  const { iss, aud, sub: _sub, ...rest } = verified.payload;
  if (iss !== ISSUER || aud !== AUDIENCE) throw new TaskTokenError('TOKEN_INVALID', 'token was not issued by the supervisor for the gateway');
  const parsed = TaskTokenClaimsSchema.safeParse(rest);
  if (!parsed.success) {
    throw new TaskTokenError('TOKEN_INVALID', `token claims are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (parsed.data.exp + tolerance <= now) {
    throw new TaskTokenError('TOKEN_EXPIRED', `token expired at ${new Date(parsed.data.exp * 1000).toISOString()}; ask the supervisor for a new task token`);
  }
  if (parsed.data.iat - tolerance > now) throw new TaskTokenError('TOKEN_INVALID', 'token is issued in the future');
  return parsed.data;
}
