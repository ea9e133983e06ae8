import { readFileSync } from 'node:fs';
import type { KafkaConfig, OauthbearerProviderResponse, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { env, SwitchboardError } from '@switchboard/observability';

const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/**
 * TLS and SASL of every Kafka client (BusConfigSchema merges it). Secrets can come from files (`*_FILE`, e.g. mounted
 * Kubernetes secrets) or the environment; they are never logged (redactConfig masks them, kafkajs does not print them).
 *
 * @example
 * KafkaSecurityConfigSchema.parse({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka' });
 */
export const KafkaSecurityConfigSchema = z.object({
  /** Connect over TLS. Without KAFKA_SSL_CA_FILE the broker certificate is checked against Node's CA store (add private CAs with NODE_EXTRA_CA_CERTS or the CA file). */
  KAFKA_SSL: env.bool(false),
  /** PEM file of the CA(s) that signed the brokers' certificates. */
  KAFKA_SSL_CA_FILE: optionalText,
  /** Client certificate and key (PEM) for brokers that require mutual TLS; both or neither. */
  KAFKA_SSL_CERT_FILE: optionalText,
  /** PEM private key of KAFKA_SSL_CERT_FILE. */
  KAFKA_SSL_KEY_FILE: optionalText,
  /** TLS server name to verify when it differs from the broker host (SNI). */
  KAFKA_SSL_SERVERNAME: optionalText,
  /** SASL mechanism: plain and oauthbearer need KAFKA_SSL; aws-msk-iam signs with the AWS default credential chain. */
  KAFKA_SASL_MECHANISM: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer', 'aws-msk-iam']).optional()),
  /** SASL user (plain, scram-*). */
  KAFKA_SASL_USERNAME: optionalText,
  /** SASL password (plain, scram-*); prefer KAFKA_SASL_PASSWORD_FILE. Never logged. */
  KAFKA_SASL_PASSWORD: optionalText,
  /** File holding the SASL password (wins over KAFKA_SASL_PASSWORD). */
  KAFKA_SASL_PASSWORD_FILE: optionalText,
  /** oauthbearer: a file holding the current access token, re-read at each (re)authentication (a sidecar or projected token keeps it fresh). */
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: optionalText,
  /** oauthbearer: OAuth 2.0 token endpoint for the client-credentials grant (Confluent Cloud, Strimzi with Keycloak…). */
  KAFKA_SASL_OAUTHBEARER_TOKEN_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  /** oauthbearer client-credentials grant: client id. */
  KAFKA_SASL_OAUTHBEARER_CLIENT_ID: optionalText,
  /** oauthbearer client-credentials grant: client secret (or KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE). */
  KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: optionalText,
  /** File holding the client secret (wins over KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET). */
  KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE: optionalText,
  /** oauthbearer client-credentials grant: scope to ask for, if the identity provider needs one. */
  KAFKA_SASL_OAUTHBEARER_SCOPE: optionalText,
  /** aws-msk-iam: the AWS region of the MSK cluster. */
  KAFKA_AWS_REGION: optionalText,
}).superRefine(refineKafkaSecurity);
export type KafkaSecurityConfig = z.infer<typeof KafkaSecurityConfigSchema>;

/**
 * The cross-field rules of {@link KafkaSecurityConfigSchema}, for schemas that take its fields through `.shape`
 * (which leaves refinements behind): BusConfigSchema applies it again.
 *
 * @example
 * export const BusConfigSchema = z.object({ ... }).extend(KafkaSecurityConfigSchema.shape).superRefine(refineKafkaSecurity);
 */
export function refineKafkaSecurity(c: KafkaSecurityConfig, ctx: z.RefinementCtx): void {
  const need = (ok: boolean, key: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [key], message });
  need(!!c.KAFKA_SSL_CERT_FILE === !!c.KAFKA_SSL_KEY_FILE, 'KAFKA_SSL_CERT_FILE', 'set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE together (mutual TLS)');
  const m = c.KAFKA_SASL_MECHANISM;
  if (m === 'plain' || m === 'scram-sha-256' || m === 'scram-sha-512') {
    need(!!c.KAFKA_SASL_USERNAME, 'KAFKA_SASL_USERNAME', `KAFKA_SASL_MECHANISM=${m} needs KAFKA_SASL_USERNAME`);
    need(!!(c.KAFKA_SASL_PASSWORD || c.KAFKA_SASL_PASSWORD_FILE), 'KAFKA_SASL_PASSWORD', `KAFKA_SASL_MECHANISM=${m} needs KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE`);
  }
  if (m === 'oauthbearer') {
    need(!!c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE !== !!c.KAFKA_SASL_OAUTHBEARER_TOKEN_URL, 'KAFKA_SASL_OAUTHBEARER_TOKEN_URL', 'oauthbearer needs exactly one of KAFKA_SASL_OAUTHBEARER_TOKEN_FILE or KAFKA_SASL_OAUTHBEARER_TOKEN_URL');
    if (c.KAFKA_SASL_OAUTHBEARER_TOKEN_URL) {
      need(!!c.KAFKA_SASL_OAUTHBEARER_CLIENT_ID, 'KAFKA_SASL_OAUTHBEARER_CLIENT_ID', 'the client-credentials grant needs KAFKA_SASL_OAUTHBEARER_CLIENT_ID');
      need(!!(c.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET || c.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE), 'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET', 'the client-credentials grant needs KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET or _FILE');
    }
  }
  if (m === 'aws-msk-iam') need(!!c.KAFKA_AWS_REGION, 'KAFKA_AWS_REGION', 'KAFKA_SASL_MECHANISM=aws-msk-iam needs KAFKA_AWS_REGION');
  // A password or token sent in the clear is as good as published; SCRAM never sends the password itself.
  if (m === 'plain' || m === 'oauthbearer' || m === 'aws-msk-iam') need(c.KAFKA_SSL, 'KAFKA_SSL', `KAFKA_SASL_MECHANISM=${m} sends a credential on the wire: set KAFKA_SSL=true`);
}

/**
 * A TLS file that cannot be read, or an OAuth token that cannot be had. Category `third_party` at connect time (the
 * bus retries); a missing file at start-up stops the service with this message.
 *
 * @example
 * throw new KafkaSecurityError('cannot read KAFKA_SSL_CA_FILE /etc/kafka/ca.pem: ENOENT');
 */
export class KafkaSecurityError extends SwitchboardError {
  constructor(message: string, options?: { cause?: unknown; category?: 'user' | 'third_party' }) {
    super('BUS.SECURITY_CONFIG', options?.category ?? 'user', message, options);
  }
}

function readSecretFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new KafkaSecurityError(`cannot read ${key} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** OAuth 2.0 client-credentials grant (RFC 6749 §4.4): one form POST; no library needed for this one request. */
async function clientCredentialsToken(c: KafkaSecurityConfig, fetchFn: typeof fetch): Promise<OauthbearerProviderResponse> {
  const secret = c.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE ? readSecretFile('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE', c.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE) : c.KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET!;
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(c.KAFKA_SASL_OAUTHBEARER_SCOPE ? { scope: c.KAFKA_SASL_OAUTHBEARER_SCOPE } : {}) });
  const basic = Buffer.from(`${encodeURIComponent(c.KAFKA_SASL_OAUTHBEARER_CLIENT_ID!)}:${encodeURIComponent(secret)}`).toString('base64');
  let res: Response;
  try {
    res = await fetchFn(c.KAFKA_SASL_OAUTHBEARER_TOKEN_URL!, {
      method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form, signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new KafkaSecurityError(`OAuth token endpoint ${c.KAFKA_SASL_OAUTHBEARER_TOKEN_URL} unreachable: ${(error as Error).message}`, { cause: error, category: 'third_party' });
  }
  const body = (await res.json().catch(() => undefined)) as { access_token?: unknown } | undefined;
  if (!res.ok || typeof body?.access_token !== 'string') {
    throw new KafkaSecurityError(`OAuth token endpoint ${c.KAFKA_SASL_OAUTHBEARER_TOKEN_URL} answered ${res.status} without an access_token`, { category: 'third_party' });
  }
  return { value: body.access_token };
}

/** What kafkajs needs to connect securely: `ssl` and `sasl` of its client config (empty for a plaintext broker). */
export type KafkaSecurityOptions = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/**
 * Builds kafkajs `ssl` and `sasl` from validated config: reads the TLS files and the password file now (a missing file
 * stops start-up with a clear message), and gives OAUTHBEARER a token provider — a token file, the client-credentials
 * grant, or for `aws-msk-iam` AWS's own signer (aws-msk-iam-sasl-signer-js, default credential chain). Used where
 * the Kafka client is constructed (KafkaBus).
 *
 * @example
 * new Kafka({ clientId, brokers: config.KAFKA_BROKERS, ...kafkaSecurityOptions(config) });
 */
export function kafkaSecurityOptions(c: KafkaSecurityConfig, deps: { fetch?: typeof fetch } = {}): KafkaSecurityOptions {
  const out: KafkaSecurityOptions = {};
  if (c.KAFKA_SSL) {
    const tls = {
      ...(c.KAFKA_SSL_CA_FILE ? { ca: [readSecretFile('KAFKA_SSL_CA_FILE', c.KAFKA_SSL_CA_FILE)] } : {}),
      ...(c.KAFKA_SSL_CERT_FILE ? { cert: readSecretFile('KAFKA_SSL_CERT_FILE', c.KAFKA_SSL_CERT_FILE) } : {}),
      ...(c.KAFKA_SSL_KEY_FILE ? { key: readSecretFile('KAFKA_SSL_KEY_FILE', c.KAFKA_SSL_KEY_FILE) } : {}),
      ...(c.KAFKA_SSL_SERVERNAME ? { servername: c.KAFKA_SSL_SERVERNAME } : {}),
    };
    out.ssl = Object.keys(tls).length > 0 ? { ...tls, rejectUnauthorized: true } : true;
  }
  const m = c.KAFKA_SASL_MECHANISM;
  if (m === 'plain' || m === 'scram-sha-256' || m === 'scram-sha-512') {
    const password = c.KAFKA_SASL_PASSWORD_FILE ? readSecretFile('KAFKA_SASL_PASSWORD_FILE', c.KAFKA_SASL_PASSWORD_FILE) : c.KAFKA_SASL_PASSWORD!;
    out.sasl = { mechanism: m, username: c.KAFKA_SASL_USERNAME!, password } as SASLOptions;
  } else if (m === 'oauthbearer') {
    const fetchFn = deps.fetch ?? fetch;
    const tokenFile = c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE;
    if (tokenFile) readSecretFile('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', tokenFile);
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => (tokenFile ? { value: readSecretFile('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', tokenFile) } : clientCredentialsToken(c, fetchFn)),
    };
  } else if (m === 'aws-msk-iam') {
    const region = c.KAFKA_AWS_REGION!;
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        // Loaded only when used: deployments on other brokers never load the AWS SDK.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { generateAuthToken } = require('aws-msk-iam-sasl-signer-js') as typeof import('aws-msk-iam-sasl-signer-js');
        try {
          const { token } = await generateAuthToken({ region });
          return { value: token };
        } catch (error) {
          throw new KafkaSecurityError(`could not sign an MSK IAM token for ${region}: ${(error as Error).message}`, { cause: error, category: 'third_party' });
        }
      },
    };
  }
  return out;
}
