import { Body, Controller, Get, HttpCode, Inject, Post, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { JsonLogger } from '@switchboard/observability';
import { parseBody } from '../api/parse';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from '../supervisor.config';
import { CurrentActor, Public, type Actor } from './actor';
import { ActorGuard } from './actor.guard';
import { hashPassword, verifyPassword } from './password';
import { SESSION_COOKIE, SessionCodec } from './session';

const LoginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1024) }).strict();

/** Console sign-in: a signed, HttpOnly, SameSite=Strict session cookie. */
@Controller('v1/auth')
@UseGuards(ActorGuard)
export class AuthController {
  private readonly logger = new JsonLogger(AuthController.name);
  // Unknown usernames are checked against this hash so the response time does not reveal which names exist.
  private readonly dummyHash = hashPassword('not-a-user-password');

  constructor(@Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig, @Inject(SessionCodec) private readonly sessions: SessionCodec) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  async login(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<{ userId: string; role: string; expiresAt: string }> {
    const { username, password } = parseBody(LoginSchema, body);
    const user = this.config.SUPERVISOR_CONSOLE_USERS.find((u) => u.username === username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok) {
      this.logger.warn('console sign-in refused', { username });
      throw new UnauthorizedException({ code: 'SUPERVISOR.BAD_CREDENTIALS', message: 'unknown username or wrong password' });
    }
    const { value, expiresAt } = this.sessions.issue({ userId: user.username, role: user.role, via: 'session' });
    res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: this.config.SUPERVISOR_COOKIE_SECURE, path: '/', expires: expiresAt });
    this.logger.info('console sign-in', { username: user.username, role: user.role });
    return { userId: user.username, role: user.role, expiresAt: expiresAt.toISOString() };
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  logout(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.config.SUPERVISOR_COOKIE_SECURE, path: '/' });
  }

  @Get('me')
  me(@CurrentActor() actor: Actor): Actor & { slaMinutes: number } {
    return { ...actor, slaMinutes: this.config.SUPERVISOR_SLA_MINUTES };
  }
}
