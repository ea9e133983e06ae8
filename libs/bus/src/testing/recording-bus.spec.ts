import { caseIdFor, type TicketEventInput } from '@switchboard/contracts';
import { PublishInvalidError, type IncomingMessage } from '@switchboard/bus';
import { RecordingBus } from '@switchboard/bus/testing';

describe('RecordingBus', () => {
  const ticket: TicketEventInput = {
    externalId: 'ZD-7', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'a@example.com' },
    subject: 'Blank dashboard', body: 'Since the toggle…', receivedAt: '2026-11-21T10:00:00Z',
  };

  it('records validated publishes and rejects invalid ones like the real bus', async () => {
    const sut = new RecordingBus();
    await sut.publishTicket(ticket);
    expect(sut.publishedTo('tickets.ingress')).toEqual([expect.objectContaining({ externalId: 'ZD-7', priority: 'normal' })]);
    expect(sut.published[0]!.key).toBe(caseIdFor(ticket));
    await expect(sut.publish('agent.results', { payload: {} } as never)).rejects.toBeInstanceOf(PublishInvalidError);
  });

  it('delivers a message to the consuming handler through the same decoding', async () => {
    const sut = new RecordingBus();
    const seen: Array<IncomingMessage<'tickets.ingress'>> = [];
    await sut.consume({ groupId: 'g', topics: ['tickets.ingress'], handler: async (m) => void seen.push(m) });
    await sut.deliver('tickets.ingress', ticket);
    expect(seen[0]!.envelope.caseId).toBe(caseIdFor(ticket));
    await expect(sut.deliver('tickets.ingress', { nope: true })).rejects.toThrow('BUS.SCHEMA_INVALID');
    await expect(sut.deliver('agent.results', {})).rejects.toThrow('nothing consumes agent.results');
  });
});
