import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';

// Connection settings of the real infrastructure the integration and e2e tests use (started by scripts/infra).
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test';
export const TEST_ACME_DATABASE_URL = process.env.TEST_ACME_DATABASE_URL ?? 'postgres://switchboard:switchboard@127.0.0.1:5432/acme_test';
export const TEST_KAFKA_BROKERS = (process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
/** The test stacks' tenant registry: reference tenants in their regions, any other tenant in us-east-1. */
export const TEST_TENANT_REGISTRY = `${__dirname}/tenants.test.yaml`;

/** Refuses to touch a database whose name lacks "test" (STYLE.md §9). */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!name.includes('test')) throw new Error(`refusing to run tests against database "${name}": its name must contain "test"`);
}

/** The SASL_SSL listener `KAFKA_SASL_SSL=1 scripts/infra up` opens beside the test broker, as it describes it. */
export interface TestSaslSslListener {
  brokers: string[];
  caFile: string;
  username: string;
  password: string;
  mechanisms: string[];
}

/**
 * Reads the client settings scripts/infra wrote for the broker's SASL_SSL listener (TEST_KAFKA_SASL_SSL_FILE, or the
 * file of the broker at TEST_KAFKA_BROKERS under SWITCHBOARD_CACHE). Throws with the command to run when it is absent.
 */
export function testSaslSslListener(): TestSaslSslListener {
  const port = TEST_KAFKA_BROKERS[0]!.split(':')[1];
  const file = process.env.TEST_KAFKA_SASL_SSL_FILE ?? `${process.env.SWITCHBOARD_CACHE ?? `${homedir()}/.cache/switchboard`}/run/kafka-${port}/sasl-ssl/client.json`;
  if (!existsSync(file)) {
    throw new Error(`no SASL_SSL listener settings at ${file}: start the broker with it (KAFKA_SASL_SSL=1 KAFKA_PORT=${port} scripts/infra restart-kafka), as scripts/test does`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TestSaslSslListener;
}
