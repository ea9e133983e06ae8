import type { IncomingMessage } from '@switchboard/bus';

/** Messages the transport handed to a handler: the bus's consumer loop already validated them against their topic. */
const delivered = new WeakSet<object>();

export function markDelivered(message: IncomingMessage<string>): void {
  delivered.add(message);
}

export function wasDelivered(value: unknown): value is IncomingMessage<string> {
  return typeof value === 'object' && value !== null && delivered.has(value);
}
