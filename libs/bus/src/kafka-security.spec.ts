import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OauthbearerProviderResponse } from 'kafkajs';
import { BusConfigSchema } from './bus.config';
import { KafkaSecurityConfigSchema, KafkaSecurityError, kafkaSecurityOptions } from './kafka-security';

const dir = mkdtempSync(join(tmpdir(), 'sb-kafka-security-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const problems = (env: Record<string, string>) => {
  const r = BusConfigSchema.safeParse(env);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const provider = (options: ReturnType<typeof kafkaSecurityOptions>) => (options.sasl as { oauthBearerProvider: () => Promise<OauthbearerProviderResponse> }).oauthBearerProvider;

describe('Kafka security config', () => {
  it('is plaintext without settings, as before', () => {
    expect(kafkaSecurityOptions(KafkaSecurityConfigSchema.parse({}))).toEqual({});
    expect(problems({})).toEqual([]);
  });

  it.each([
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512' }, ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, ['KAFKA_SSL: KAFKA_SASL_MECHANISM=plain sends a credential on the wire']],
    [{ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer' }, ['exactly one of KAFKA_SASL_OAUTHBEARER_TOKEN_FILE or KAFKA_SASL_OAUTHBEARER_TOKEN_URL']],
    [{ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_URL: 'https://idp.example/token' }, ['KAFKA_SASL_OAUTHBEARER_CLIENT_ID', 'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET']],
    [{ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'aws-msk-iam' }, ['KAFKA_AWS_REGION']],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/x.pem' }, ['KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE together']],
    [{ KAFKA_SASL_MECHANISM: 'kerberos' }, ['KAFKA_SASL_MECHANISM']],
  ])('refuses an incomplete or unsafe setting at start-up: %o', (env, expected) => {
    const found = problems(env as Record<string, string>).join('\n');
    for (const e of expected) expect(found).toContain(e);
  });

  it('builds TLS from the CA, certificate and key files, verifying the broker', () => {
    const c = KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: file('ca.pem', 'CA PEM\n'), KAFKA_SSL_CERT_FILE: file('c.pem', 'CERT'), KAFKA_SSL_KEY_FILE: file('k.pem', 'KEY'), KAFKA_SSL_SERVERNAME: 'kafka.internal' });
    expect(kafkaSecurityOptions(c).ssl).toEqual({ ca: ['CA PEM'], cert: 'CERT', key: 'KEY', servername: 'kafka.internal', rejectUnauthorized: true });
    expect(kafkaSecurityOptions(KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true' })).ssl).toBe(true);
  });

  it('stops with the file named when a TLS or password file cannot be read', () => {
    const c = KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') });
    expect(() => kafkaSecurityOptions(c)).toThrow(KafkaSecurityError);
    expect(() => kafkaSecurityOptions(c)).toThrow(/KAFKA_SSL_CA_FILE .*missing\.pem: ENOENT/);
  });

  it('takes the SCRAM password from its file over the environment', () => {
    const c = KafkaSecurityConfigSchema.parse({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'env-pass', KAFKA_SASL_PASSWORD_FILE: file('pw', 'file-pass\n') });
    expect(kafkaSecurityOptions(c).sasl).toEqual({ mechanism: 'scram-sha-256', username: 'svc', password: 'file-pass' });
  });

  it('oauthbearer from a token file re-reads the file at each authentication', async () => {
    const tokenFile = file('token', 'token-1');
    const get = provider(kafkaSecurityOptions(KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile })));
    expect(await get()).toEqual({ value: 'token-1' });
    writeFileSync(tokenFile, 'token-2\n');
    expect(await get()).toEqual({ value: 'token-2' });
  });

  it('oauthbearer with the client-credentials grant posts the client id and secret and uses the access token', async () => {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    // Named double of an OAuth token endpoint.
    const tokenEndpoint = (async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return new Response(JSON.stringify({ access_token: 'at-123', token_type: 'bearer', expires_in: 300 }), { status: 200 });
    }) as unknown as typeof fetch;
    const c = KafkaSecurityConfigSchema.parse({
      KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_URL: 'https://idp.example/token', KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'switchboard',
      KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE: file('client-secret', 's3cret'), KAFKA_SASL_OAUTHBEARER_SCOPE: 'kafka',
    });
    expect(await provider(kafkaSecurityOptions(c, { fetch: tokenEndpoint }))()).toEqual({ value: 'at-123' });
    expect(requests[0]!.url).toBe('https://idp.example/token');
    expect((requests[0]!.init.headers as Record<string, string>).authorization).toBe(`Basic ${Buffer.from('switchboard:s3cret').toString('base64')}`);
    expect(String(requests[0]!.init.body)).toBe('grant_type=client_credentials&scope=kafka');
    const refusing = (async () => new Response('{"error":"invalid_client"}', { status: 401 })) as unknown as typeof fetch;
    await expect(provider(kafkaSecurityOptions(c, { fetch: refusing }))()).rejects.toThrow(/answered 401 without an access_token/);
  });

  it('aws-msk-iam signs an MSK IAM token with AWS\'s signer and the default credential chain', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const options = kafkaSecurityOptions(KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'aws-msk-iam', KAFKA_AWS_REGION: 'eu-central-1' }));
      expect(options.ssl).toBe(true);
      const { value } = await provider(options)();
      const url = Buffer.from(value, 'base64url').toString('utf8');
      expect(url).toMatch(/^https:\/\/kafka\.eu-central-1\.amazonaws\.com\/\?Action=kafka-cluster%3AConnect/);
      expect(url).toContain('X-Amz-Credential=AKIAIOSFODNN7EXAMPLE');
      expect(url).toContain('X-Amz-Signature=');
    } finally {
      process.env = saved;
    }
  });
});
