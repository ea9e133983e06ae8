// Kafka over TLS with SASL, from config: the bus connects through the broker's SASL_SSL
// listener (scripts/infra KAFKA_SASL_SSL=1: private CA, SCRAM-SHA-256/512 and PLAIN user), a wrong password or an
// untrusted certificate is refused with a clear error (a service on it: apps/ingress/test/ingress-sasl-ssl.int-spec.ts).
// Real: Kafka broker (SASL_SSL listener). Doubles: none.
import { BusConfigSchema, KafkaBus, type ConsumerHandle, type IncomingMessage } from '@switchboard/bus';
import { configureLogging } from '@switchboard/observability';
import { testSaslSslListener } from '../../../test/support/env';
import { randomCaseId, testBinding, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(90_000);

const listener = testSaslSslListener();
const secure = (mechanism: string, overrides: Record<string, string> = {}) => ({
  KAFKA_BROKERS: listener.brokers.join(','), KAFKA_CLIENT_ID: 'switchboard-test-sasl', KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: listener.caFile,
  KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: listener.username, KAFKA_SASL_PASSWORD: listener.password,
  BUS_HEARTBEAT_INTERVAL_MS: '300', BUS_SESSION_TIMEOUT_MS: '10000', BUS_FETCH_MAX_WAIT_MS: '100', ...overrides,
});
const bus = (env: Record<string, string>, name: string) => new KafkaBus(BusConfigSchema.parse(env), name);
// kafkajs logs each refused handshake of the tests below as an error while it retries; those are expected here.
configureLogging({ level: 'error', sink: (line) => void (line.includes('"context":"kafkajs"') || process.stdout.write(`${line}\n`)) });

describe('Kafka over SASL_SSL (real broker listener)', () => {
  const buses: KafkaBus[] = [];
  const handles: ConsumerHandle[] = [];
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await Promise.all(buses.map((b) => b.disconnect()));
  });

  it.each(['scram-sha-512', 'scram-sha-256', 'plain'])('produces and consumes through the TLS listener with %s', async (mechanism) => {
    const producer = bus(secure(mechanism), `sasl-producer-${mechanism}`);
    const consumer = bus(secure(mechanism), `sasl-consumer-${mechanism}`);
    buses.push(producer, consumer);
    const binding = testBinding(uniqueName(`test.sasl.${mechanism}`), 1);
    const seen: number[] = [];
    handles.push(await consumer.consumeBindings({
      groupId: uniqueName('test.sasl'), bindings: [binding], handler: async (m: IncomingMessage<string>) => void seen.push((m.envelope.payload as TestPayload).seq),
    }));
    const caseId = randomCaseId();
    for (const seq of [1, 2, 3]) await producer.publishTo(binding, testEnvelope(caseId, { seq }));
    await waitFor(() => seen.length === 3, `3 messages over SASL_SSL (${mechanism})`);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('refuses a wrong password with a clear error', async () => {
    const wrong = bus(secure('scram-sha-512', { KAFKA_SASL_PASSWORD: `${listener.password}-wrong` }), 'sasl-wrong-password');
    const error = await wrong.connect().then(() => undefined, (e: Error & { code?: string }) => e);
    await wrong.disconnect().catch(() => undefined);
    expect(error).toMatchObject({ code: 'BUS.CONNECT_FAILED' });
    expect(error!.message).toMatch(/cannot connect to Kafka at 127\.0\.0\.1:\d+: .*SASL SCRAM SHA512 authentication failed/i);
  });

  it('refuses a broker whose certificate the configured CAs do not vouch for', async () => {
    const noCa = bus(secure('scram-sha-512', { KAFKA_SSL_CA_FILE: '' }), 'sasl-no-ca');
    const error = await noCa.connect().then(() => undefined, (e: Error) => e);
    await noCa.disconnect().catch(() => undefined);
    expect(error?.message).toMatch(/self[- ]signed certificate/i);
  });

});
