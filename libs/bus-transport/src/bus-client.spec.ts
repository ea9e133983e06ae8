import { lastValueFrom } from 'rxjs';
import { RecordingBus } from '@switchboard/bus/testing';
import { caseIdFor, type Envelope, type InternalNote } from '@switchboard/contracts';
import { BusClient, BusRecord } from './bus-client';

describe('BusClient', () => {
  const meta = { caseId: 'case_0123456789abcdef01234567', tenantId: 'acme', region: 'us-east-1', correlationId: 'case_0123456789abcdef01234567', causationId: 'task-1' };
  const NOTES = 'tickets.internal-notes';
  let bus: RecordingBus;
  let sut: BusClient;
  beforeEach(() => {
    bus = new RecordingBus();
    sut = new BusClient(bus);
  });

  it('emits a contract envelope built from the record, completing once the bus published it', async () => {
    await expect(lastValueFrom(sut.emit(NOTES, new BusRecord<typeof NOTES>({ mode: 'assist', body: 'hi', proposedActions: [] }, meta)))).resolves.toBeUndefined();
    const [envelope] = bus.publishedTo<Envelope<InternalNote>>(NOTES);
    expect(envelope).toMatchObject({ ...meta, type: 'case.internal-note', version: 1, attempt: 0, payload: { mode: 'assist', body: 'hi' } });
    expect(envelope!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps an id the producer derived, so a repeat is the same message', async () => {
    const record = new BusRecord({ mode: 'assist', body: 'hi', proposedActions: [] }, { ...meta, id: '6f1f7d4e-3b55-4a43-9a51-0e3c1b2d4f60', attempt: 2 });
    await lastValueFrom(sut.emit(NOTES, record));
    await lastValueFrom(sut.emit(NOTES, record));
    expect(bus.publishedTo(NOTES).map((e) => [e.id, e.attempt])).toEqual([['6f1f7d4e-3b55-4a43-9a51-0e3c1b2d4f60', 2], ['6f1f7d4e-3b55-4a43-9a51-0e3c1b2d4f60', 2]]);
  });

  it('publishes a bare ticket to tickets.ingress, its public format', async () => {
    const ticket = { externalId: 'ZD-1', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'a@example.com' }, subject: 'Blank dashboard', body: 'Blank since the toggle', receivedAt: '2026-11-21T10:00:00Z' };
    await lastValueFrom(sut.emit('tickets.ingress', ticket));
    expect(bus.published).toEqual([expect.objectContaining({ topic: 'tickets.ingress', key: caseIdFor(ticket) })]);
  });

  it('refuses, with nothing published: an invalid payload, a topic outside the contracts, data that is not a record', async () => {
    await expect(lastValueFrom(sut.emit(NOTES, new BusRecord({ mode: 'loud', body: 'hi' } as never, meta)))).rejects.toMatchObject({ code: 'BUS.PUBLISH_INVALID', category: 'user' });
    await expect(lastValueFrom(sut.emit('orders.created', new BusRecord({} as never, meta)))).rejects.toMatchObject({ code: 'BUS_CLIENT.UNKNOWN_TOPIC' });
    await expect(lastValueFrom(sut.emit(NOTES, { payload: { mode: 'assist', body: 'hi' }, meta }))).rejects.toMatchObject({ code: 'BUS_CLIENT.NOT_A_RECORD' });
    expect(bus.published).toEqual([]);
  });

  it('publishes at once even when nobody subscribes: Nest\'s emit is hot', async () => {
    void sut.emit(NOTES, new BusRecord({ mode: 'assist', body: 'unobserved', proposedActions: [] }, meta));
    for (let turn = 0; bus.published.length === 0 && turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(bus.publishedTo<Envelope<InternalNote>>(NOTES).map((e) => e.payload.body)).toEqual(['unobserved']);
  });

  it('fails a request at once, without connecting: the bus carries events', async () => {
    const connect = jest.spyOn(bus, 'connect');
    await expect(lastValueFrom(sut.send(NOTES, new BusRecord({ mode: 'assist', body: 'hi', proposedActions: [] }, meta)))).rejects.toMatchObject({ code: 'BUS_CLIENT.NO_REQUESTS' });
    expect(connect).not.toHaveBeenCalled();
  });

  it('refuses to emit once closed, and reports its status', async () => {
    const statuses: string[] = [];
    sut.status.subscribe((s) => statuses.push(s));
    await sut.connect();
    await sut.close();
    await expect(lastValueFrom(sut.emit(NOTES, new BusRecord({ mode: 'assist', body: 'late', proposedActions: [] }, meta)))).rejects.toMatchObject({ code: 'BUS_CLIENT.CLOSED' });
    expect(bus.published).toEqual([]);
    expect(statuses).toEqual(['connected', 'disconnected']);
    expect(sut.unwrap()).toBe(bus);
  });
});
