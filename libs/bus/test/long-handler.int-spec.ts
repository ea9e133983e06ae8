// Real: Kafka broker with the minimum session timeout (6 s). Doubles: none.
import { KafkaBus, type ConsumerHandle } from '@switchboard/bus';
import { randomCaseId, testBinding, testBusConfig, testEnvelope, uniqueName, waitFor, type TestPayload } from './support/kit';

jest.setTimeout(40_000);

describe('a handler that outlives the session timeout (real broker)', () => {
  const bus = new KafkaBus(testBusConfig({ BUS_SESSION_TIMEOUT_MS: '6000', BUS_HEARTBEAT_INTERVAL_MS: '1000' }), 'long-handler-spec');
  let handle: ConsumerHandle | undefined;

  afterAll(async () => {
    await handle?.stop();
    await bus.disconnect();
  });

  it('keeps the group membership with heartbeats, so the message is handled once and not redelivered', async () => {
    const binding = testBinding(uniqueName('test.long'), 1);
    const calls: number[] = [];
    handle = await bus.consumeBindings({
      groupId: uniqueName('test.long-group'),
      bindings: [binding],
      handler: async (msg) => {
        const { seq } = msg.envelope.payload as TestPayload;
        calls.push(seq);
        if (seq === 1) await new Promise((r) => setTimeout(r, 8_000));
      },
    });
    const caseId = randomCaseId();
    await bus.publishTo(binding, testEnvelope(caseId, { seq: 1 }));
    await bus.publishTo(binding, testEnvelope(caseId, { seq: 2 }));

    await waitFor(() => calls.includes(2), 'the message after the slow one', 30_000);
    expect(calls).toEqual([1, 2]);
    expect(handle.healthy()).toBe(true);
  });
});
