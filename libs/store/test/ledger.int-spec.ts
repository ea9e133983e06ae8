// Real: Postgres (isolated schema). Doubles: none.
import { ProcessedLedger } from '@switchboard/store';
import { isolatedSchema, type IsolatedSchema } from './support/isolated-schema';

describe('ProcessedLedger (real Postgres)', () => {
  let db: IsolatedSchema;
  let sut: ProcessedLedger;
  const effects = async (caseId: string) => (await db.pool.query('SELECT seq FROM effects WHERE case_id = $1', [caseId])).rows.length;

  beforeAll(async () => {
    db = await isolatedSchema();
    sut = new ProcessedLedger(db.pool);
  });
  afterAll(() => db.drop());

  it('runs the effect once and reports the redelivery as a duplicate', async () => {
    const effect = (tx: import('pg').PoolClient) => tx.query("INSERT INTO effects (case_id, seq, by) VALUES ('c1', 1, 'test')").then(() => 'ok');
    await expect(sut.runOnce('triage', 'm-1', effect)).resolves.toEqual({ status: 'done', value: 'ok' });
    await expect(sut.runOnce('triage', 'm-1', effect)).resolves.toEqual({ status: 'duplicate' });
    expect(await effects('c1')).toBe(1);
    expect(await sut.has('triage', 'm-1')).toBe(true);
  });

  it('keeps consumers apart: another consumer of the same message runs its own effect', async () => {
    await sut.runOnce('verifier', 'm-1', async () => undefined);
    await expect(sut.runOnce('verifier', 'm-1', async () => undefined)).resolves.toEqual({ status: 'duplicate' });
    expect(await sut.has('resolver', 'm-1')).toBe(false);
  });

  it('rolls back the effect and the ledger row together when the handler crashes, so the retry runs it', async () => {
    const crash = sut.runOnce('triage', 'm-2', async (tx) => {
      await tx.query("INSERT INTO effects (case_id, seq, by) VALUES ('c2', 1, 'crashed')");
      throw new Error('process died before commit');
    });
    await expect(crash).rejects.toThrow('process died before commit');
    expect(await effects('c2')).toBe(0);
    expect(await sut.has('triage', 'm-2')).toBe(false);
    await sut.runOnce('triage', 'm-2', (tx) => tx.query("INSERT INTO effects (case_id, seq, by) VALUES ('c2', 1, 'retry')"));
    expect((await db.pool.query("SELECT by FROM effects WHERE case_id = 'c2'")).rows).toEqual([{ by: 'retry' }]);
  });

  it('lets exactly one of several concurrent deliveries of a message run its effect', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sut.runOnce('triage', 'm-3', async (tx) => {
        await tx.query("INSERT INTO effects (case_id, seq, by) VALUES ('c3', 1, $1)", [`delivery-${i}`]);
        await new Promise((r) => setTimeout(r, 20));
      })),
    );
    expect(results.filter((r) => r.status === 'done')).toHaveLength(1);
    expect(await effects('c3')).toBe(1);
  });

  it('prunes old entries', async () => {
    await db.pool.query("UPDATE processed_messages SET processed_at = now() - interval '2 days' WHERE message_id = 'm-1'");
    expect(await sut.prune(24 * 3600_000)).toBe(2);
    expect(await sut.has('triage', 'm-1')).toBe(false);
    expect(await sut.has('triage', 'm-2')).toBe(true);
  });
});
