import { configureLogging, loadConfigOrExit } from '@switchboard/observability';
import { OutboxRelay } from '../outbox';
import { createPool, StoreConfigSchema } from '../pool';

// `npm run outbox -- list` shows the rows the relay quarantined and why; `npm run outbox -- requeue <id>…` puts them
// back once the cause is fixed (they may then arrive after later messages of their case).
async function main(): Promise<number> {
  const config = loadConfigOrExit(StoreConfigSchema);
  configureLogging({ level: 'warn' });
  const [command, ...ids] = process.argv.slice(2);
  const pool = createPool({ ...config, DATABASE_POOL_SIZE: 1 });
  try {
    if (command === 'list') {
      const rows = await OutboxRelay.quarantined(pool, 1000);
      for (const r of rows) process.stdout.write(`${r.id}\t${r.topic}\t${r.key}\tattempts ${r.attempts}\tquarantined ${r.quarantinedAt.toISOString()}\t${r.lastError}\n`);
      process.stdout.write(`${rows.length} quarantined outbox row(s)\n`);
      return 0;
    }
    if (command === 'requeue' && ids.length > 0 && ids.every((id) => /^\d+$/.test(id))) {
      process.stdout.write(`${await OutboxRelay.requeue(pool, ids)} row(s) requeued\n`);
      return 0;
    }
    process.stderr.write('usage: npm run outbox -- list | requeue <id> [<id>…]\n');
    return 2;
  } finally {
    await pool.end();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`outbox command failed: ${(error as Error).message}\n`);
  process.exit(1);
});
