import type { IHeaders } from 'kafkajs';

/**
 * Header names the bus writes. Lowercase, so W3C `traceparent` sits beside them.
 *
 * @example
 * const attempt = Number(msg.headers[BUS_HEADERS.deliveryAttempt] ?? 1);
 */
export const BUS_HEADERS = {
  messageId: 'message-id',
  type: 'type',
  deliveryAttempt: 'delivery-attempt',
  notBefore: 'not-before',
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
  lastError: 'last-error',
  deadLetterCode: 'dead-letter-code',
} as const;

/**
 * Flattens kafkajs headers (Buffers, strings or arrays of them) to strings.
 *
 * @example
 * decodeHeaders({ 'message-id': Buffer.from('abc') }); // { 'message-id': 'abc' }
 */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[key] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}
