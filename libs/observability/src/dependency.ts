import { SwitchboardError } from './errors';

/**
 * A dependency (Postgres, the Kafka broker, the gateway) could not be reached or answered, so the work could not be
 * tried at all: nothing is wrong with the message, and trying the same message again later will work once the
 * dependency is back. The bus pauses the partition and retries without spending the message's retry budget.
 *
 * @example
 * throw new DependencyUnavailableError('gateway', `gateway unreachable: ${error.message}`, { cause: error });
 */
export class DependencyUnavailableError extends SwitchboardError {
  readonly dependencyUnavailable = true;

  constructor(readonly dependency: string, message: string, options?: { cause?: unknown }) {
    super(`${dependency.toUpperCase()}.UNAVAILABLE`, 'third_party', message, options);
  }
}

// Socket-level failures (Node net/dns, undici): the peer is down, restarting, or not reachable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
// SQLSTATE: class 08 (connection exception), 57P01-57P03 (server shutting down, crashed, not accepting yet),
// 53300 (too many connections). Statement and lock timeouts (57014, 55P03) are deliberately absent: they may be
// caused by the message itself, so they take the bounded retry path instead of waiting forever.
const PG_OUTAGE_STATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
// node-postgres reports a lost or unobtainable connection with plain Errors.
const PG_CLIENT_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable)/;
// kafkajs: the broker is unreachable or did not answer (after kafkajs' own retries).
const KAFKA_OUTAGE_NAMES = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']);
// Kafka error codes a broker answers with while it or its partition leaders restart (retriable by the protocol).
const KAFKA_OUTAGE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'NETWORK_EXCEPTION', 'BROKER_NOT_AVAILABLE', 'KAFKA_STORAGE_ERROR',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  type?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  dependencyUnavailable?: unknown;
}

function outageHere(e: ErrorLike): boolean {
  if (e.dependencyUnavailable === true) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || PG_OUTAGE_STATE.test(code)) return true;
  const name = typeof e.name === 'string' ? e.name : '';
  // AbortSignal.timeout() aborts fetch with a TimeoutError: the peer did not answer in time.
  if (name === 'TimeoutError' || name === 'ConnectTimeoutError' || KAFKA_OUTAGE_NAMES.has(name)) return true;
  if (typeof e.type === 'string' && KAFKA_OUTAGE_TYPES.has(e.type)) return true;
  return typeof e.message === 'string' && PG_CLIENT_MESSAGES.test(e.message);
}

/**
 * True when `error` (or anything in its `cause` chain, or an aggregate's `errors`) says a dependency was unavailable
 * rather than that the work itself failed: connection refused/reset/timed out, DNS not answering, Postgres shutting
 * down or refusing connections (SQLSTATE 08xxx, 57P01–57P03, 53300), a node-postgres connection lost or not obtained,
 * a kafkajs connection or request timeout, an HTTP call aborted by its timeout, or a {@link DependencyUnavailableError}.
 * A `user` {@link SwitchboardError} on the way down the chain wins: bad input stays bad input.
 *
 * @example
 * isDependencyUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })); // true
 * isDependencyUnavailable(new SwitchboardError('LLM.OUTPUT_INVALID', 'third_party', 'not JSON'));                  // false
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0 && seen.size < 16) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof SwitchboardError && current.category === 'user') return false;
    const e = current as ErrorLike;
    if (outageHere(e)) return true;
    if (e.cause !== undefined) stack.push(e.cause);
    if (Array.isArray(e.errors)) stack.push(...(e.errors as unknown[]));
  }
  return false;
}
