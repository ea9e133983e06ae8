import { RecordingBus } from '@switchboard/bus/testing';
import type { IncomingMessage } from '@switchboard/bus';
import { BusTransport } from './bus-transport';

describe('BusTransport', () => {
  const meta = { caseId: 'case_0123456789abcdef01234567', tenantId: 'acme', region: 'us-east-1', correlationId: 'c', causationId: null };

  it('is healthy only while listening, and routes each message to the handler of its topic', async () => {
    const bus = new RecordingBus();
    const sut = new BusTransport(bus, { groupId: 'switchboard.test' });
    const seen: string[] = [];
    sut.addHandler('tickets.internal-notes', async (message: IncomingMessage<string>) => void seen.push(message.topic), true);
    expect(sut.healthy()).toBe(false);

    await new Promise<void>((resolve, reject) => void sut.listen((error) => (error ? reject(error) : resolve())));
    expect(sut.healthy()).toBe(true);
    await bus.deliver('tickets.internal-notes', bus.envelope('tickets.internal-notes', { mode: 'assist', body: 'hi', proposedActions: [] }, meta));
    expect(seen).toEqual(['tickets.internal-notes']);

    await sut.close();
    expect(sut.healthy()).toBe(false);
  });

  it('refuses a request-reply pattern: the bus carries events', async () => {
    const sut = new BusTransport(new RecordingBus(), { groupId: 'switchboard.test' });
    sut.addHandler('tickets.internal-notes', async () => undefined, false);
    const error = await new Promise((resolve) => void sut.listen(resolve));
    expect(error).toMatchObject({ code: 'BUS_TRANSPORT.NOT_AN_EVENT' });
  });
});
