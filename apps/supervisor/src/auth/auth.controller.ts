import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { JsonLogger } from '@switchboard/observability';
import { parseBody } from '../api/parse';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from '../supervisor.config';
import { CurrentActor, Public, type Actor } from './actor';
import { ActorGuard } from './actor.guard';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './password';
import { SESSION_COOKIE, SessionCodec } from './session';

const LoginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1024) }).strict();

const LOCK_MESSAGES = {
  user: 'too many failed sign-ins for this username',
  ip: 'too many failed sign-ins from this address',
  all: 'too many sign-in attempts on this server right now',
} as const;

/** Console sign-in: a signed, HttpOnly, SameSite=Strict, Secure (unless opted out) session cookie; throttled and locked out. */
@Controller('v1/auth')
@UseGuards(ActorGuard)
export class AuthController {
  private readonly logger = new JsonLogger(AuthController.name);
  // Unknown usernames are checked against this hash so the response time does not reveal which names exist.
  private readonly dummyHash = hashPassword('not-a-user-password');

  constructor(
    @Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig,
    @Inject(SessionCodec) private readonly sessions: SessionCodec,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<{ userId: string; role: string; expiresAt: string }> {
    const { username, password } = parseBody(LoginSchema, body);
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    // Checked before the password is hashed: a locked attempt costs no scrypt, and a right password does not unlock.
    const lock = await this.throttle.check(username, ip);
    if (lock) {
      this.logger.warn('console sign-in throttled', { username, ip, scope: lock.scope, retryAfterSeconds: lock.retryAfterSeconds });
      res.setHeader('Retry-After', String(lock.retryAfterSeconds));
      throw new HttpException({ code: 'SUPERVISOR.SIGN_IN_LOCKED', message: `${LOCK_MESSAGES[lock.scope]}; try again in ${lock.retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    const user = this.config.SUPERVISOR_CONSOLE_USERS.find((u) => u.username === username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok) {
      await this.throttle.failed(username, ip);
      this.logger.warn('console sign-in refused', { username, ip });
      throw new UnauthorizedException({ code: 'SUPERVISOR.BAD_CREDENTIALS', message: 'unknown username or wrong password' });
    }
    await this.throttle.succeeded(username);
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
