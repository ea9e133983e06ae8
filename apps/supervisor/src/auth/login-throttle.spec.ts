import { LoginThrottle } from './login-throttle';

const OPTIONS = { maxFailuresPerUser: 3, maxFailuresPerIp: 5, windowSeconds: 600, lockoutSeconds: 900, maxAttemptsPerMinute: 1000 };

describe('LoginThrottle', () => {
  it('locks a username after its limit of failures, for the lockout period, even for the right password', async () => {
    const sut = LoginThrottle.memory(OPTIONS);
    for (let i = 0; i < 3; i++) {
      expect(await sut.check('ana', '10.0.0.1')).toBeUndefined();
      await sut.failed('ana', '10.0.0.1');
    }
    const lock = await sut.check('ana', '10.0.0.2');
    expect(lock).toEqual({ scope: 'user', retryAfterSeconds: expect.any(Number) });
    expect(lock!.retryAfterSeconds).toBeGreaterThan(600);
    expect(lock!.retryAfterSeconds).toBeLessThanOrEqual(900);
    expect(await sut.check('ANA', '10.0.0.3')).toMatchObject({ scope: 'user' });
    expect(await sut.check('vic', '10.0.0.1')).toBeUndefined();
  });

  it('locks an address that fails for many usernames', async () => {
    const sut = LoginThrottle.memory(OPTIONS);
    for (let i = 0; i < 5; i++) await sut.failed(`user${i}`, '10.0.0.9');
    expect(await sut.check('someone-new', '10.0.0.9')).toMatchObject({ scope: 'ip' });
    expect(await sut.check('someone-new', '10.0.0.10')).toBeUndefined();
  });

  it('clears a username\'s failures on success', async () => {
    const sut = LoginThrottle.memory(OPTIONS);
    await sut.failed('ana', '10.0.0.1');
    await sut.failed('ana', '10.0.0.1');
    await sut.succeeded('ana');
    await sut.failed('ana', '10.0.0.1');
    await sut.failed('ana', '10.0.0.1');
    expect(await sut.check('ana', '10.0.0.1')).toBeUndefined();
  });

  it('caps all attempts per minute, whoever makes them', async () => {
    const sut = LoginThrottle.memory({ ...OPTIONS, maxAttemptsPerMinute: 2 });
    expect(await sut.check('a', '1.1.1.1')).toBeUndefined();
    expect(await sut.check('b', '2.2.2.2')).toBeUndefined();
    expect(await sut.check('c', '3.3.3.3')).toMatchObject({ scope: 'all' });
  });
});
