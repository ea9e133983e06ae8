import { isDependencyUnavailable } from '@switchboard/observability';

/**
 * Errors worth trying again later: what kafkajs marks retriable (a topic the broker does not know yet, a leader
 * election, kafkajs' own retries running out) and any dependency outage (broker unreachable).
 *
 * @example
 * if (!isRetriableKafkaError(error)) throw error; // e.g. INVALID_REPLICATION_FACTOR: waiting cannot fix it
 */
export function isRetriableKafkaError(error: unknown): boolean {
  for (let e = error as { retriable?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  }
  return isDependencyUnavailable(error);
}
