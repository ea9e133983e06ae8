import { hashPassword, verifyPassword } from './password';
import { readCookie, SessionCodec } from './session';

const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one or a malformed hash', async () => {
    const hash = await hashPassword('correct horse battery', FAST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterz', hash)).resolves.toBe(false);
    for (const bad of ['', 'bcrypt$x', 'scrypt$0$8$1$c2FsdA==$aGFzaA==', hash.replace(/\$[^$]+$/, '$aGFzaA==')]) await expect(verifyPassword('x', bad)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password', FAST)).not.toBe(await hashPassword('same password', FAST));
  });
});

describe('SessionCodec', () => {
  let now = 1_000_000_000_000;
  const sut = new SessionCodec('a-session-secret-of-at-least-32-chars!!', 600, () => now);

  it('round-trips an actor until the session expires', () => {
    const { value, expiresAt } = sut.issue({ userId: 'ana', role: 'supervisor', via: 'session' });
    expect(expiresAt.getTime()).toBe(now + 600_000);
    expect(sut.verify(value)).toEqual({ userId: 'ana', role: 'supervisor', via: 'session' });
    now += 600_000;
    expect(sut.verify(value)).toBeUndefined();
  });

  it('refuses tampered claims, another key, and junk', () => {
    const { value } = sut.issue({ userId: 'vic', role: 'viewer', via: 'session' });
    const [, mac] = value.split('.');
    const promoted = Buffer.from(JSON.stringify({ u: 'vic', r: 'supervisor', exp: 9_999_999_999 })).toString('base64url');
    expect(sut.verify(`${promoted}.${mac}`)).toBeUndefined();
    expect(new SessionCodec('another-session-secret-of-32-chars-xx', 600, () => now).verify(value)).toBeUndefined();
    for (const junk of [undefined, '', 'a.b', 'a.b.c', 'x'.repeat(2000)]) expect(sut.verify(junk)).toBeUndefined();
  });

  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; sb_session=abc.def; b=2', 'sb_session')).toBe('abc.def');
    expect(readCookie(undefined, 'sb_session')).toBeUndefined();
  });
});
