import { timingSafeEqual, createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { TaskTokenClaims } from '@switchboard/contracts';
import { splitBoundToken, TaskTokenError, verifyAgentProof, verifyTaskToken } from '@switchboard/task-tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GatewayFailure } from '../invoke/gateway-failure';

function sameSecret(a: string, b: string): boolean {
  // Hashing first makes the comparison constant-time regardless of length.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Task tokens (agents) and the service key (supervisor). A task token is encrypted to the gateway and bound to the agent
 * it was minted for: the agent sends `Bearer <token>~<proof>`, the proof an HMAC of the token under its own key
 * (GATEWAY_AGENT_KEYS), so a token read from Kafka or the outbox, or presented by another agent, is refused.
 */
@Injectable()
export class TaskAuthService {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  async authenticate(authorization: string | undefined): Promise<TaskTokenClaims> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new GatewayFailure('TOKEN_MISSING', 'send the task token as "Authorization: Bearer <token>~<agent proof>"');
    const { token, proof } = splitBoundToken(match[1]!);
    let claims: TaskTokenClaims;
    try {
      claims = await verifyTaskToken(token, this.config.GATEWAY_TOKEN_SECRET, { clockToleranceSeconds: this.config.GATEWAY_CLOCK_TOLERANCE_SECONDS });
    } catch (error) {
      if (error instanceof TaskTokenError) throw new GatewayFailure(error.code, error.message);
      throw error;
    }
    if (claims.seq === undefined && this.config.GATEWAY_REQUIRE_TASK_SEQ) {
      throw new GatewayFailure('TOKEN_INVALID', 'token has no task sequence number (seq claim); ask the supervisor for a new task token');
    }
    if (!proof) {
      throw new GatewayFailure('TOKEN_INVALID', `this task token is bound to the ${claims.agent} agent: send it as <token>~<proof>, the proof made with that agent's GATEWAY_AGENT_KEY (bindTaskToken)`);
    }
    if (!verifyAgentProof(token, proof, this.config.GATEWAY_AGENT_KEYS[claims.agent] ?? [])) {
      throw new GatewayFailure('TOKEN_INVALID', `this task token is bound to the ${claims.agent} agent and the proof was not made with its key`);
    }
    return claims;
  }

  /** The supervisor's service key, as `X-Admin-Key` or `Authorization: Bearer`. */
  isAdmin(headers: { 'x-admin-key'?: string | string[]; authorization?: string }): boolean {
    const header = headers['x-admin-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    return key !== undefined && sameSecret(key, this.config.GATEWAY_ADMIN_KEY);
  }
}
