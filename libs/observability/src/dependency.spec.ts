import { DependencyUnavailableError, isDependencyUnavailable } from './dependency';
import { SwitchboardError } from './errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['Postgres shutting down (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['Postgres not accepting connections yet (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection exception (08006)', withCode('connection failure', '08006')],
    ['node-postgres losing its connection', new Error('Connection terminated unexpectedly')],
    ['the pool timing out on connect', new Error('timeout exceeded when trying to connect')],
    ['a client-side query timeout', new Error('Query read timeout')],
    ['fetch failing to connect', new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED 127.0.0.1:3200', 'ECONNREFUSED') })],
    ['an HTTP call aborted by its timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
    ['kafkajs giving up on a broker', Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }) })],
    ['a partition leader moving', Object.assign(new Error('There is no leader for this topic-partition'), { name: 'KafkaJSProtocolError', type: 'LEADER_NOT_AVAILABLE' })],
    ['an explicit DependencyUnavailableError', new DependencyUnavailableError('gateway', 'gateway unreachable')],
    ['a wrapped outage', new SwitchboardError('SUPERVISOR.GATEWAY_ADMIN', 'third_party', 'approve failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') })],
    ['an aggregate with one outage', new AggregateError([new Error('x'), withCode('reset', 'ECONNRESET')], 'several')],
  ])('says yes to %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['invalid text for jsonb (NUL)', withCode('unsupported Unicode escape sequence', '22P05')],
    ['a statement timeout (may be the message itself)', withCode('canceling statement due to statement timeout', '57014')],
    ['a lock timeout', withCode('canceling statement due to lock timeout', '55P03')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a record too large for the broker', Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' })],
    ['a user error even with a network cause', new SwitchboardError('BUS.PUBLISH_INVALID', 'user', 'bad', { cause: withCode('x', 'ECONNRESET') })],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('says no to %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isDependencyUnavailable(a)).toBe(false);
  });

  it('gives DependencyUnavailableError a code per dependency and the retryable third_party category', () => {
    const sut = new DependencyUnavailableError('postgres', 'down');
    expect(sut).toMatchObject({ code: 'POSTGRES.UNAVAILABLE', category: 'third_party', dependency: 'postgres' });
  });
});
