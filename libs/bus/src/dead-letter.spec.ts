import { DeadLetterSchema } from '@switchboard/contracts';
import { buildDeadLetter } from './dead-letter';

describe('buildDeadLetter', () => {
  const base = {
    source: { topic: 'agent.results', partition: 1, offset: '9' },
    key: 'case_0123456789abcdef01234567',
    headers: { 'message-id': 'm-1' },
    attempts: 0,
    consumerGroup: 'switchboard.supervisor',
    now: new Date('2026-11-21T10:00:00Z'),
  };

  it('keeps the reason, the issues and the original bytes', () => {
    const sut = buildDeadLetter({
      ...base,
      value: Buffer.from('{"oops"'),
      reason: { code: 'BUS.SCHEMA_INVALID', message: 'bad', issues: [{ path: 'payload.taskId', message: 'Required' }] },
    });
    expect(DeadLetterSchema.parse(sut)).toEqual(sut);
    expect(sut).toMatchObject({ originalTopic: 'agent.results', partition: 1, offset: '9', failedAt: '2026-11-21T10:00:00.000Z' });
    expect(Buffer.from(sut.originalValueBase64, 'base64').toString()).toBe('{"oops"');
    expect(sut.reason.issues).toEqual([{ path: 'payload.taskId', message: 'Required' }]);
  });

  it('writes an empty value for a tombstone', () => {
    expect(buildDeadLetter({ ...base, value: null, reason: { code: 'BUS.MESSAGE_EMPTY', message: 'no value' } }).originalValueBase64).toBe('');
  });

  it('truncates a huge original and says so in the reason', () => {
    const sut = buildDeadLetter({ ...base, value: Buffer.alloc(3_000_000, 'a'), reason: { code: 'BUS.MESSAGE_TOO_LARGE', message: 'too large' } });
    expect(Buffer.from(sut.originalValueBase64, 'base64').length).toBe(2_000_000);
    expect(sut.reason.message).toContain('truncated from 3000000 to 2000000 bytes');
  });
});
