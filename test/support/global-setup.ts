import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { Pool } from 'pg';
import { register } from 'tsconfig-paths';
import { compilerOptions } from '../../tsconfig.json';

// jest does not apply moduleNameMapper to globalSetup, so resolve the @switchboard/* aliases here.
register({ baseUrl: join(__dirname, '..', '..'), paths: compilerOptions.paths });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runMigrations } = require('@switchboard/store') as typeof import('@switchboard/store');
import { assertTestDatabase, TEST_ACME_DATABASE_URL, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './env';

const ROOT = join(__dirname, '..', '..');
/** Components whose migrations go to the reference backend's own database, not Switchboard's. */
const ACME_COMPONENTS = new Set(['acme-backend']);

function reachable(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.connect(Number(port), host!);
  });
}

/** Every `migrations/` folder of an app or lib, by component name. */
function migrationDirs(): Array<{ component: string; dir: string }> {
  const found: Array<{ component: string; dir: string }> = [];
  for (const parent of ['libs', 'apps']) {
    for (const name of readdirSync(join(ROOT, parent))) {
      const dir = join(ROOT, parent, name, 'migrations');
      if (existsSync(dir)) found.push({ component: name, dir });
    }
  }
  return found;
}

export default async function globalSetup(): Promise<void> {
  assertTestDatabase(TEST_DATABASE_URL);
  assertTestDatabase(TEST_ACME_DATABASE_URL);
  const kafka = TEST_KAFKA_BROKERS[0]!;
  const pg = new URL(TEST_DATABASE_URL);
  if (!(await reachable(kafka))) throw new Error(`Kafka is not reachable at ${kafka}: run \`scripts/infra up\` first`);
  if (!(await reachable(`${pg.hostname}:${pg.port || 5432}`))) throw new Error(`Postgres is not reachable at ${pg.host}: run \`scripts/infra up\` first`);
  const main = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const acme = new Pool({ connectionString: TEST_ACME_DATABASE_URL, max: 2 });
  try {
    for (const { component, dir } of migrationDirs()) {
      await runMigrations(ACME_COMPONENTS.has(component) ? acme : main, component, dir);
    }
    // Each test run records the procedures as it finds them: a procedure edited between two local runs is not a
    // production change without a version bump (the supervisor's guard), so the test database forgets earlier texts.
    await main.query('DELETE FROM supervisor.procedures');
  } finally {
    await Promise.all([main.end(), acme.end()]);
  }
}
