// Child process of crash-recovery.int-spec.ts: consumes with a ledger-backed handler and, at seq `crashAt`, hangs
// after the effect committed but before the offset commit, until the parent kills it with SIGKILL.
import { Pool } from 'pg';
import { KafkaBus } from '@switchboard/bus';
import { configureLogging } from '@switchboard/observability';
import { ProcessedLedger } from '@switchboard/store';
import { testBinding, testBusConfig, type TestPayload } from './kit';

async function main(): Promise<void> {
  configureLogging({ level: 'error' });
  const [topic, groupId, crashAt, commitEvery] = process.argv.slice(2) as [string, string, string, 'message' | 'batch' | 'interval' | undefined];
  const pool = new Pool({ connectionString: process.env.TEST_PG_URL, options: process.env.TEST_PG_OPTIONS });
  const ledger = new ProcessedLedger(pool);
  const bus = new KafkaBus(testBusConfig({ BUS_SESSION_TIMEOUT_MS: '6000', BUS_COMMIT_INTERVAL_MS: '60000' }), 'crash-child');
  await bus.consumeBindings({
    groupId,
    bindings: [testBinding(topic, 1)],
    commitEvery: commitEvery ?? 'message',
    handler: async (msg) => {
      const { seq } = msg.envelope.payload as TestPayload;
      await ledger.runOnce(groupId, msg.envelope.id, (tx) =>
        tx.query('INSERT INTO effects (case_id, seq, by) VALUES ($1, $2, $3)', [msg.envelope.caseId, seq, 'child']));
      process.stdout.write(`EFFECT ${seq}\n`);
      if (seq === Number(crashAt)) await new Promise(() => undefined);
    },
  });
  process.stdout.write('READY\n');
}

void main();
