import { timingSafeEqual, createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { TaskTokenClaims } from '@switchboard/contracts';
import { TaskTokenError, verifyTaskToken } from '@switchboard/gateway-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GatewayFailure } from '../invoke/gateway-failure';

function sameSecret(a: string, b: string): boolean {
  // Hashing first makes the comparison constant-time regardless of length.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Task tokens (agents) and the service key (supervisor). */
@Injectable()
export class TaskAuthService {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  async authenticate(authorization: string | undefined): Promise<TaskTokenClaims> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new GatewayFailure('TOKEN_MISSING', 'send the task token as "Authorization: Bearer <token>"');
    let claims: TaskTokenClaims;
    try {
      claims = await verifyTaskToken(match[1]!, this.config.GATEWAY_TOKEN_SECRET, { clockToleranceSeconds: this.config.GATEWAY_CLOCK_TOLERANCE_SECONDS });
    } catch (error) {
      if (error instanceof TaskTokenError) throw new GatewayFailure(error.code, error.message);
      throw error;
    }
    if (claims.seq === undefined && this.config.GATEWAY_REQUIRE_TASK_SEQ) {
      throw new GatewayFailure('TOKEN_INVALID', 'token has no task sequence number (seq claim); ask the supervisor for a new task token');
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
