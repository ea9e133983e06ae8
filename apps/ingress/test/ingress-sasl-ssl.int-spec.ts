// A service on a TLS + SASL broker: the ingress, configured with KAFKA_SSL / KAFKA_SASL_* only, publishes a ticket
// through the broker's SASL_SSL listener (scripts/infra KAFKA_SASL_SSL=1) that a SASL_SSL consumer reads back.
// Real: Kafka broker (SASL_SSL listener, SCRAM-SHA-256 over TLS), ingress app over HTTP. Doubles: none.
import type { INestApplication } from '@nestjs/common';
import { BusConfigSchema, KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { loadConfig } from '@switchboard/observability';
import { testSaslSslListener, TEST_TENANT_REGISTRY } from '../../../test/support/env';
import { waitFor } from '../../../test/support/stack';
import { createIngressApp } from '../src/ingress.app';
import { IngressConfigSchema } from '../src/ingress.config';

jest.setTimeout(90_000);

const listener = testSaslSslListener();
const run = Date.now().toString(36);
const secure = {
  KAFKA_BROKERS: listener.brokers.join(','), KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: listener.caFile,
  KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: listener.username, KAFKA_SASL_PASSWORD: listener.password,
};
let app: INestApplication;
let reader: KafkaBus;
let handle: ConsumerHandle;
const received: string[] = [];

beforeAll(async () => {
  reader = new KafkaBus(BusConfigSchema.parse({ ...secure, BUS_NEW_GROUP_START: 'latest', BUS_FETCH_MAX_WAIT_MS: '100' }), 'ingress-sasl-reader');
  handle = await reader.consume({ groupId: `ingress-sasl-${run}`, topics: ['tickets.ingress'], handler: async (m) => void received.push(m.envelope.payload.externalId) });
  await handle.ready;
  app = await createIngressApp(loadConfig(IngressConfigSchema, { ...secure, INGRESS_API_KEYS: 'sasl-ingress-key-0123456789', TENANT_REGISTRY_FILE: TEST_TENANT_REGISTRY, LOG_LEVEL: 'error' }));
  await app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await app?.close();
  await handle?.stop();
  await reader?.disconnect();
});

it('publishes an accepted ticket over SASL_SSL', async () => {
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const externalId = `SASL-${run}`;
  const res = await fetch(`${url}/tickets`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sasl-ingress-key-0123456789' },
    body: JSON.stringify({ externalId, source: 'api', tenantId: 'globex', region: 'us-east-1', requester: { email: 'ops@globex.example' }, subject: 'Dashboard blank', body: 'It is blank.', receivedAt: new Date().toISOString() }),
  });
  expect(res.status).toBe(202);
  await waitFor('the ticket published over SASL_SSL', async () => (received.includes(externalId) ? true : undefined));
  expect((await fetch(`${url}/health/ready`)).status).toBe(200);
});
