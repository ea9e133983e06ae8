import { execFileSync } from 'node:child_process';
import { createHmac, hkdf } from 'node:crypto';
import { promisify } from 'node:util';
import { taskTokenEncryptionKey } from './jwe-dir';
import { sealTaskToken, TaskTokenError, TaskTokenIssuer, verifyTaskToken, type TaskTokenRequest } from './index';

const SECRET = 'unit-test-secret-unit-test-secret-0001';
const claims: TaskTokenRequest = {
  caseId: 'case_0123456789abcdef01234567', taskId: 'task_1', tenantId: 'globex', region: 'us-east-1', agent: 'resolver',
  mode: 'autonomous', tools: ['get_tenant', 'reset_tenant_cache'], scopes: ['read', 'write'],
};

describe('task tokens', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  const sut = new TaskTokenIssuer(SECRET, () => now);

  it('round-trips the claims with iat and exp set from the ttl', async () => {
    const token = await sut.issue(claims, 600);
    expect(await verifyTaskToken(token, SECRET, { now: () => now + 1000 })).toEqual({ ...claims, iat: now / 1000, exp: now / 1000 + 600 });
  });

  it('carries the task sequence number (seq) when given, and refuses a negative or fractional one', async () => {
    const token = await sut.issue({ ...claims, seq: 7 }, 600);
    expect(await verifyTaskToken(token, SECRET, { now: () => now })).toMatchObject({ seq: 7 });
    await expect(sut.issue({ ...claims, seq: -1 }, 600)).rejects.toThrow();
    await expect(sut.issue({ ...claims, seq: 1.5 }, 600)).rejects.toThrow();
  });

  it('rejects an expired token with TOKEN_EXPIRED (after the clock tolerance)', async () => {
    const token = await sut.issue(claims, 60);
    await expect(verifyTaskToken(token, SECRET, { now: () => now + 64_000 })).resolves.toBeDefined();
    await expect(verifyTaskToken(token, SECRET, { now: () => now + 66_000 })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('is encrypted: the claims cannot be read from the token', async () => {
    const token = await sut.issue(claims, 600);
    expect(token.split('.')).toHaveLength(5);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });
    expect(Buffer.from(token.replace(/\./g, ''), 'base64url').toString('latin1')).not.toMatch(/globex|resolver|case_0123/);
    expect(await sut.issue(claims, 600)).not.toBe(token); // a fresh IV each time
  });

  it('rejects a token sealed or signed with another secret, altered in transit, edited inside, with alg none, or not encrypted', async () => {
    const check = (t: string) => verifyTaskToken(t, SECRET, { now: () => now });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jws = (header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET) => {
      const h = b64(header);
      const p = b64(payload);
      return `${h}.${p}.${header.alg === 'none' ? '' : createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
    };
    const full = { ...claims, iat: now / 1000, exp: now / 1000 + 600, iss: 'switchboard-supervisor', aud: 'switchboard-gateway' };
    await expect(check(sealTaskToken(jws({ alg: 'HS256', typ: 'JWT' }, full), SECRET))).resolves.toMatchObject({ tenantId: 'globex' });
    await expect(check(await new TaskTokenIssuer('another-secret-another-secret-another', () => now).issue(claims, 600))).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('does not decrypt') });
    const token = await sut.issue(claims, 600);
    const parts = token.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    await expect(check([parts[0], parts[1], parts[2], flipped.toString('base64url'), parts[4]].join('.'))).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('does not decrypt') });
    const signedElsewhere = sealTaskToken(jws({ alg: 'HS256', typ: 'JWT' }, full, 'another-secret-another-secret-another'), SECRET);
    await expect(check(signedElsewhere)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('signature') });
    const genuine = jws({ alg: 'HS256', typ: 'JWT' }, full).split('.');
    const edited = sealTaskToken(`${genuine[0]}.${b64({ ...full, tenantId: 'acme-eu' })}.${genuine[2]}`, SECRET);
    await expect(check(edited)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('signature') });
    await expect(check(sealTaskToken(jws({ alg: 'none', typ: 'JWT' }, full), SECRET))).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('HS256') });
    await expect(check(jws({ alg: 'HS256', typ: 'JWT' }, full))).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('not an encrypted task token') });
    await expect(check('garbage')).rejects.toBeInstanceOf(TaskTokenError);
  });

  it('derives the encryption key by HKDF-SHA256 of the secret, once per secret: a cached key stays right as secrets come and go, and a caller cannot alter it', async () => {
    const hkdfKey = async (secret: string) => Buffer.from(await promisify(hkdf)('sha256', secret, 'switchboard-task-token', 'A256GCM content encryption', 32));
    const secrets = Array.from({ length: 7 }, (_, i) => `${SECRET}-${i}`);
    // Seven secrets through a cache of four, twice: every key is evicted and derived again along the way.
    const allRight = async () => {
      for (const secret of secrets) expect(taskTokenEncryptionKey(secret).equals(await hkdfKey(secret))).toBe(true);
    };
    await allRight();
    await allRight();
    const key = taskTokenEncryptionKey(SECRET);
    key.fill(0);
    expect(taskTokenEncryptionKey(SECRET).equals(await hkdfKey(SECRET))).toBe(true);
    // Tokens sealed and opened under the cache still round-trip, and a sibling secret's cached key does not open them.
    const token = await sut.issue(claims, 600);
    await expect(verifyTaskToken(token, SECRET, { now: () => now })).resolves.toMatchObject({ taskId: 'task_1' });
    await expect(verifyTaskToken(token, secrets[0]!, { now: () => now })).rejects.toMatchObject({ message: expect.stringContaining('does not decrypt') });
  });

  it('refuses to issue with a short secret, a bad ttl or claims that break the contract', async () => {
    expect(() => new TaskTokenIssuer('short')).toThrow();
    await expect(sut.issue(claims, 0)).rejects.toThrow(RangeError);
    await expect(sut.issue({ ...claims, tools: [] }, 60)).rejects.toThrow();
  });

  it('is a standard JWE wrapping a standard JWT, which jose decrypts and verifies (interop, outside jest since jose is ESM-only)', async () => {
    const token = await new TaskTokenIssuer(SECRET).issue(claims, 600);
    const script = `import { compactDecrypt, jwtVerify } from 'jose';
      const { plaintext } = await compactDecrypt(process.env.T, Buffer.from(process.env.K, 'base64'));
      const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), new TextEncoder().encode(process.env.S), { algorithms: ['HS256'], issuer: 'switchboard-supervisor', audience: 'switchboard-gateway' });
      process.stdout.write(payload.tenantId);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, T: token, S: SECRET, K: taskTokenEncryptionKey(SECRET).toString('base64') }, cwd: process.cwd(),
    });
    expect(out.toString()).toBe('globex');
  });
});
