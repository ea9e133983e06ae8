import { newMessageId } from '@switchboard/contracts';
import { ContractMessagePipe } from './contract-message.pipe';
import { markDelivered } from './delivered';

describe('ContractMessagePipe', () => {
  const sut = new ContractMessagePipe();
  const message = (payload: unknown) => ({
    topic: 'tickets.internal-notes', partition: 0, offset: '0', headers: {}, deliveryAttempt: 1,
    envelope: {
      id: newMessageId(), type: 'case.internal-note', version: 1, caseId: 'case_0123456789abcdef01234567', tenantId: 'acme', region: 'us-east-1',
      correlationId: 'case_0123456789abcdef01234567', causationId: null, attempt: 0, occurredAt: new Date().toISOString(), payload,
    },
  });

  it('passes a message the transport delivered as it is, without parsing it again', () => {
    const delivered = message({ mode: 'not-a-mode' });
    markDelivered(delivered as never);
    expect(sut.transform(delivered)).toBe(delivered);
  });

  it('validates a message from elsewhere against its topic schema', () => {
    expect(sut.transform(message({ mode: 'assist', body: 'hi' })).envelope.payload).toEqual({ mode: 'assist', body: 'hi', proposedActions: [] });
    expect(() => sut.transform(message({ mode: 'loud', body: 'hi' }))).toThrow(expect.objectContaining({ code: 'BUS.SCHEMA_INVALID', category: 'user' }));
    expect(() => sut.transform({ ...message({}), topic: 'orders.created' })).toThrow('not a message of a contract topic');
  });
});
