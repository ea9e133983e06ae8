import { DeadLetterSchema, type DeadLetter } from '@switchboard/contracts';
import type { MessageSource } from './bus.types';

// Kafka's default max.message.bytes is ~1 MB; the DLQ topics are created with a larger limit, and anything beyond
// this is cut so a dead letter can always be written (the reason says so).
const MAX_ORIGINAL_BYTES = 2_000_000;

/**
 * Builds a {@link DeadLetter}: the reason, the original bytes (base64) and where the message came from.
 *
 * @example
 * buildDeadLetter({ source, key, headers, value, attempts: 0, consumerGroup: 'switchboard.supervisor',
 *   reason: { code: 'BUS.INVALID_JSON', message: 'message is not valid JSON: …' } });
 */
export function buildDeadLetter(input: {
  source: MessageSource;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
  attempts: number;
  consumerGroup: string;
  reason: DeadLetter['reason'];
  now?: Date;
}): DeadLetter {
  const value = input.value ?? Buffer.alloc(0);
  const truncated = value.length > MAX_ORIGINAL_BYTES;
  const reason = truncated
    ? { ...input.reason, message: `${input.reason.message} (original value truncated from ${value.length} to ${MAX_ORIGINAL_BYTES} bytes)` }
    : input.reason;
  return DeadLetterSchema.parse({
    originalTopic: input.source.topic,
    partition: input.source.partition,
    offset: input.source.offset,
    key: input.key,
    headers: input.headers,
    originalValueBase64: (truncated ? value.subarray(0, MAX_ORIGINAL_BYTES) : value).toString('base64'),
    reason,
    attempts: input.attempts,
    consumerGroup: input.consumerGroup,
    failedAt: (input.now ?? new Date()).toISOString(),
  });
}

/** Bytes a DLQ topic must accept: base64 of the largest original plus the JSON around it. */
export function deadLetterTopicMaxBytes(maxMessageBytes: number): number {
  return Math.max(4 * 1024 * 1024, Math.ceil((Math.min(maxMessageBytes, MAX_ORIGINAL_BYTES) * 4) / 3) + 256 * 1024);
}
