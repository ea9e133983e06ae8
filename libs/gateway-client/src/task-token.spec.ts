import { execFileSync } from 'node:child_process';
import { TaskTokenError, TaskTokenIssuer, verifyTaskToken, type TaskTokenRequest } from './index';

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

  it('rejects a token signed with another secret, with an edited payload, or with alg none', async () => {
    const token = await sut.issue(claims, 600);
    const check = (t: string) => verifyTaskToken(t, SECRET, { now: () => now });
    await expect(check(await new TaskTokenIssuer('another-secret-another-secret-another', () => now).issue(claims, 600))).rejects.toBeInstanceOf(TaskTokenError);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), tenantId: 'acme-eu' })).toString('base64url');
    await expect(check(`${h}.${edited}.${sig}`)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('signature') });
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expect(check(`${none}.${p}.`)).rejects.toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('HS256') });
    await expect(check('garbage')).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses to issue with a short secret, a bad ttl or claims that break the contract', async () => {
    expect(() => new TaskTokenIssuer('short')).toThrow();
    await expect(sut.issue(claims, 0)).rejects.toThrow(RangeError);
    await expect(sut.issue({ ...claims, tools: [] }, 60)).rejects.toThrow();
  });

  it('is a standard JWT that jose verifies (interop, outside jest since jose is ESM-only)', async () => {
    const token = await new TaskTokenIssuer(SECRET).issue(claims, 600);
    const script = `import { jwtVerify } from 'jose';
      const { payload } = await jwtVerify(process.env.T, new TextEncoder().encode(process.env.S), { algorithms: ['HS256'], issuer: 'switchboard-supervisor', audience: 'switchboard-gateway' });
      process.stdout.write(payload.tenantId);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, T: token, S: SECRET }, cwd: process.cwd() });
    expect(out.toString()).toBe('globex');
  });
});
