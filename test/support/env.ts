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
