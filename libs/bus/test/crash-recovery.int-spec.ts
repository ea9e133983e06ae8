// Real: Kafka broker, Postgres (isolated schema), a child-process consumer killed with SIGKILL. Doubles: none.
import { KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { ProcessedLedger } from '@switchboard/store';
import { isolatedSchema, type IsolatedSchema } from '../../store/test/support/isolated-schema';
import { randomCaseId, spawnTs, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(60_000);

describe('crash before commit (real broker, database and process kill)', () => {
  let db: IsolatedSchema;
  const bus = new KafkaBus(testBusConfig(), 'crash-recovery-spec');
  let handle: ConsumerHandle | undefined;

  beforeAll(async () => {
    db = await isolatedSchema();
    await bus.connect();
  });
  afterAll(async () => {
    await handle?.stop();
    await bus.disconnect();
    await db.drop();
  });

  it('redelivers the message whose handler died before the offset commit, and the ledger keeps its effect single', async () => {
    const binding = testBinding(uniqueName('test.crash'), 1);
    const groupId = uniqueName('test.crash-group');
    await bus.ensureTopicSpecs([binding]);
    const caseId = randomCaseId();
    for (let seq = 1; seq <= 5; seq++) await bus.publishTo(binding, testEnvelope(caseId, { seq }));

    const child = spawnTs('libs/bus/test/support/ledger-consumer.ts', [binding.topic, groupId, '3'], {
      TEST_PG_URL: db.connection.connectionString,
      TEST_PG_OPTIONS: db.connection.options,
    });
    await waitFor(() => child.lines.includes('EFFECT 3'), 'the child to commit the effect of seq 3', 30_000);
    child.child.kill('SIGKILL');
    await child.exited;
    expect(child.lines.filter((l) => l.startsWith('EFFECT'))).toEqual(['EFFECT 1', 'EFFECT 2', 'EFFECT 3']);

    const ledger = new ProcessedLedger(db.pool);
    const seen: Array<{ seq: number; status: string }> = [];
    handle = await bus.consumeBindings({
      groupId,
      bindings: [binding],
      handler: async (msg) => {
        const { seq } = msg.envelope.payload as TestPayload;
        const result = await ledger.runOnce(groupId, msg.envelope.id, (tx) =>
          tx.query('INSERT INTO effects (case_id, seq, by) VALUES ($1, $2, $3)', [caseId, seq, 'successor']));
        seen.push({ seq, status: result.status });
      },
    });

    await waitFor(() => seen.length === 3, 'the successor to process seq 3 to 5', 30_000);
    // 1 and 2 were committed before the crash; 3 ran but was not committed, so it comes back and is skipped.
    expect(seen).toEqual([{ seq: 3, status: 'duplicate' }, { seq: 4, status: 'done' }, { seq: 5, status: 'done' }]);
    const { rows } = await db.pool.query('SELECT seq, by FROM effects WHERE case_id = $1 ORDER BY seq', [caseId]);
    expect(rows).toEqual([
      { seq: 1, by: 'child' }, { seq: 2, by: 'child' }, { seq: 3, by: 'child' }, { seq: 4, by: 'successor' }, { seq: 5, by: 'successor' },
    ]);
  });
});
