import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Limits of console sign-in (SUPERVISOR_LOGIN_* in supervisor.config.ts). */
export interface LoginThrottleOptions {
  /** Failed sign-ins for one username within the window before it is locked. */
  maxFailuresPerUser: number;
  /** Failed sign-ins from one address within the window (any usernames) before it is locked. */
  maxFailuresPerIp: number;
  windowSeconds: number;
  lockoutSeconds: number;
  /** Every sign-in attempt this replica checks per minute (each costs a 32 MiB scrypt), whoever makes it. */
  maxAttemptsPerMinute: number;
}

/** Why a sign-in may not be tried now, and for how long. */
export interface LoginLock {
  scope: 'user' | 'ip' | 'all';
  retryAfterSeconds: number;
}

/**
 * Console sign-in throttling and lockout on rate-limiter-flexible: failures count per username and per client address
 * in a window; reaching either limit locks it for the lockout period (a correct password does not get through a lock),
 * and a success clears the username's count. Counts live in Postgres (`supervisor.login_throttle`), so every
 * supervisor replica sees the same locks; if Postgres cannot answer, a per-process memory limiter takes over. A cap
 * on all attempts per replica bounds the scrypt work an attacker spreading guesses over many addresses can cause.
 * Locked attempts are refused before the password is hashed.
 *
 * @example
 * const throttle = LoginThrottle.postgres(pool, options);
 * const lock = await throttle.check(username, req.ip);
 * if (!lock) (await verifyPassword(password, hash)) ? await throttle.succeeded(username) : await throttle.failed(username, req.ip);
 */
export class LoginThrottle {
  private readonly all: RateLimiterAbstract;

  private constructor(
    private readonly stores: () => Promise<{ byUser: RateLimiterAbstract; byIp: RateLimiterAbstract }>,
    private readonly options: LoginThrottleOptions,
  ) {
    this.all = new RateLimiterMemory({ keyPrefix: 'login_all', points: options.maxAttemptsPerMinute, duration: 60 });
  }

  /**
   * Counts in the supervisor's Postgres, shared by every replica. The table is created on first use, which is after
   * start-up has run the migrations that create the supervisor schema.
   */
  static postgres(pool: Pool, options: LoginThrottleOptions): LoginThrottle {
    const store = (keyPrefix: string, points: number) =>
      new Promise<RateLimiterAbstract>((resolve, reject) => {
        const limiter: RateLimiterPostgres = new RateLimiterPostgres(
          {
            storeClient: pool, storeType: 'pool', schemaName: 'supervisor', tableName: 'login_throttle', keyPrefix, points, duration: options.windowSeconds,
            insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: options.windowSeconds }),
          },
          (error?: Error) => (error ? reject(error) : resolve(limiter)),
        );
      });
    let ready: Promise<{ byUser: RateLimiterAbstract; byIp: RateLimiterAbstract }> | undefined;
    const stores = () =>
      (ready ??= Promise.all([store('login_user', options.maxFailuresPerUser), store('login_ip', options.maxFailuresPerIp)]).then(
        ([byUser, byIp]) => ({ byUser, byIp }),
        (error: unknown) => {
          ready = undefined; // tried again on the next sign-in
          throw error;
        },
      ));
    return new LoginThrottle(stores, options);
  }

  /** Counts in this process only (unit tests; a single replica). */
  static memory(options: LoginThrottleOptions): LoginThrottle {
    const stores = {
      byUser: new RateLimiterMemory({ keyPrefix: 'login_user', points: options.maxFailuresPerUser, duration: options.windowSeconds }),
      byIp: new RateLimiterMemory({ keyPrefix: 'login_ip', points: options.maxFailuresPerIp, duration: options.windowSeconds }),
    };
    return new LoginThrottle(() => Promise.resolve(stores), options);
  }

  /** Undefined when `username` may try to sign in from `ip` now; otherwise what is locked and for how long. Counts the attempt. */
  async check(username: string, ip: string): Promise<LoginLock | undefined> {
    const { byUser, byIp } = await this.stores();
    const [user, address] = await Promise.all([byUser.get(userKey(username)), byIp.get(ip)]);
    const locked = (res: { consumedPoints: number; msBeforeNext: number } | null, limit: number) => res !== null && res.consumedPoints >= limit;
    if (locked(address, this.options.maxFailuresPerIp)) return { scope: 'ip', retryAfterSeconds: seconds(address!.msBeforeNext) };
    if (locked(user, this.options.maxFailuresPerUser)) return { scope: 'user', retryAfterSeconds: seconds(user!.msBeforeNext) };
    try {
      await this.all.consume('all');
    } catch (rejected) {
      return { scope: 'all', retryAfterSeconds: seconds((rejected as { msBeforeNext?: number }).msBeforeNext ?? 1000) };
    }
    return undefined;
  }

  /** Records a failed sign-in; the username or address that reaches its limit is locked for the lockout period. */
  async failed(username: string, ip: string): Promise<void> {
    const { byUser, byIp } = await this.stores();
    await Promise.all([this.count(byUser, userKey(username), this.options.maxFailuresPerUser), this.count(byIp, ip, this.options.maxFailuresPerIp)]);
  }

  /** A successful sign-in clears the username's failures (not the address's: one success proves nothing about the rest). */
  async succeeded(username: string): Promise<void> {
    await (await this.stores()).byUser.delete(userKey(username));
  }

  private async count(limiter: RateLimiterAbstract, key: string, limit: number): Promise<void> {
    const res = await limiter.penalty(key, 1);
    if (res.consumedPoints >= limit) await limiter.block(key, this.options.lockoutSeconds);
  }
}

// Usernames are matched exactly at sign-in; case-folding here keeps "Ana" and "ana" from having separate budgets.
const userKey = (username: string) => username.toLowerCase();
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
