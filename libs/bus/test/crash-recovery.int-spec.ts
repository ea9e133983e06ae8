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
  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
  });
  afterAll(async () => {
    await bus.disconnect();
    await db.drop();
  });

  it.each([
    // 1 and 2 were committed before the crash; 3 ran but was not committed, so it comes back and is skipped.
    ['message', [{ seq: 3, status: 'duplicate' }, { seq: 4, status: 'done' }, { seq: 5, status: 'done' }]],
    // One commit per batch: 1 to 3 were handled in the batch the crash cut short, so all three come back and are skipped.
    ['batch', [1, 2, 3].map((seq) => ({ seq, status: 'duplicate' })).concat([{ seq: 4, status: 'done' }, { seq: 5, status: 'done' }])],
    // Interval commits (60 s in the child): nothing was committed before the crash, so all three come back and are skipped.
    ['interval', [1, 2, 3].map((seq) => ({ seq, status: 'duplicate' })).concat([{ seq: 4, status: 'done' }, { seq: 5, status: 'done' }])],
  ] as const)('commit per %s: redelivers what ran before the crash but was not committed, and the ledger keeps each effect single', async (commitEvery, expected) => {
    const binding = testBinding(uniqueName('test.crash'), 1);
    const groupId = uniqueName('test.crash-group');
    await bus.ensureTopicSpecs([binding]);
    const caseId = randomCaseId();
    for (let seq = 1; seq <= 5; seq++) await bus.publishTo(binding, testEnvelope(caseId, { seq }));

    const child = spawnTs('libs/bus/test/support/ledger-consumer.ts', [binding.topic, groupId, '3', commitEvery], {
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

    await waitFor(() => seen.length === expected.length, 'the successor to process what was not committed', 30_000);
    expect(seen).toEqual(expected);
    const { rows } = await db.pool.query('SELECT seq, by FROM effects WHERE case_id = $1 ORDER BY seq', [caseId]);
    expect(rows).toEqual([
      { seq: 1, by: 'child' }, { seq: 2, by: 'child' }, { seq: 3, by: 'child' }, { seq: 4, by: 'successor' }, { seq: 5, by: 'successor' },
    ]);
  });
});
