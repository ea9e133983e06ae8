// Child process of outbox-crash.int-spec.ts: a relay that publishes the first half of its batch to Kafka and then
// "dies" before marking anything sent (the parent kills it with SIGKILL while it holds the row locks).
import { Pool } from 'pg';
import { KafkaBus } from '@switchboard/bus';
import { configureLogging } from '@switchboard/observability';
import { OutboxRelay } from '@switchboard/store';
import { testBusConfig } from '../../../bus/test/support/kit';

async function main(): Promise<void> {
  configureLogging({ level: 'error' });
  const pool = new Pool({ connectionString: process.env.TEST_PG_URL, options: process.env.TEST_PG_OPTIONS });
  const bus = new KafkaBus(testBusConfig(), 'crashing-relay');
  const relay = new OutboxRelay(pool, async (records) => {
    const half = records.slice(0, Math.ceil(records.length / 2));
    await bus.publishRaw(half);
    process.stdout.write(`PUBLISHED ${half.length} OF ${records.length}\n`);
    await new Promise(() => undefined);
  });
  await relay.start();
}

void main();
