import { GroupCommit, type GroupWriter } from './group-commit';
import type { ApplyEventInput, ApplyEventResult } from './case.repository';

// The queueing alone, against a recording writer (the statement itself is tested on real Postgres in
// test/case-service.int-spec.ts).
const input = (caseId: string) => ({ previous: { version: 1, state: { caseId } } }) as unknown as ApplyEventInput;
const applied = (id: string): ApplyEventResult => ({ result: 'applied', outcomeAccepted: true, outboxIds: [id], leased: false });

class RecordingWriter implements GroupWriter {
  readonly statements: string[][] = [];
  private release: Array<() => void> = [];
  failNext?: Error;
  async one(i: ApplyEventInput): Promise<ApplyEventResult> {
    return (await this.write([i]))[0] as ApplyEventResult;
  }
  async many(inputs: readonly ApplyEventInput[]): Promise<Array<ApplyEventResult | Error>> {
    return this.write(inputs);
  }
  /** Lets the statement in flight finish. */
  finish(): void {
    this.release.shift()?.();
  }
  private async write(inputs: readonly ApplyEventInput[]): Promise<Array<ApplyEventResult | Error>> {
    const ids = inputs.map((i) => i.previous.state.caseId);
    this.statements.push(ids);
    await new Promise<void>((resolve) => this.release.push(resolve));
    if (this.failNext) throw this.failNext;
    return ids.map((id) => (id.startsWith('conflict') ? new Error(`conflict on ${id}`) : applied(id)));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes an event at once when nothing is in flight, and the events that came meanwhile together', async () => {
    const writer = new RecordingWriter();
    const sizes: number[] = [];
    const group = new GroupCommit(writer, 16, (n) => sizes.push(n));
    const first = group.apply(input('a'));
    await tick();
    expect(writer.statements).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((id) => group.apply(input(id)));
    await tick();
    expect(writer.statements).toHaveLength(1); // they wait for the write in flight
    writer.finish();
    await expect(first).resolves.toEqual(applied('a'));
    await tick();
    expect(writer.statements).toEqual([['a'], ['b', 'c', 'd']]);
    writer.finish();
    await expect(Promise.all(later)).resolves.toEqual([applied('b'), applied('c'), applied('d')]);
    expect(sizes).toEqual([1, 3]);
  });

  it('keeps each event’s own failure to itself, and fails every event of a statement that failed as a whole', async () => {
    const writer = new RecordingWriter();
    const group = new GroupCommit(writer, 16);
    const first = group.apply(input('a'));
    const batch = [group.apply(input('b')), group.apply(input('conflict-c')), group.apply(input('d'))];
    writer.finish();
    await first;
    await tick();
    writer.finish();
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('conflict on conflict-c');

    const next = group.apply(input('e'));
    const more = [group.apply(input('f')), group.apply(input('g'))];
    writer.finish();
    await next;
    writer.failNext = new Error('connection lost');
    await tick();
    writer.finish();
    expect((await Promise.allSettled(more)).map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('splits what waits into statements of at most maxBatch events, in arrival order', async () => {
    const writer = new RecordingWriter();
    const group = new GroupCommit(writer, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) => group.apply(input(id)));
    for (let i = 0; i < 4; i++) {
      await tick();
      writer.finish();
    }
    await Promise.all(all);
    expect(writer.statements).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('refuses a batch size Postgres would not keep in shared memory', () => {
    expect(() => new GroupCommit(new RecordingWriter(), 0)).toThrow(RangeError);
    expect(() => new GroupCommit(new RecordingWriter(), 33)).toThrow(RangeError);
  });
});
