import type { z } from 'zod';
import type { Envelope, PayloadOf, TopicName } from '@switchboard/contracts';

/** Where a message was first published: stays the same when the bus moves it to `<topic>.retry`. */
export interface MessageSource {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * What a handler receives: a validated envelope plus its Kafka coordinates. `deliveryAttempt` is 1 on the first
 * delivery and grows with each retry through `<topic>.retry`; `topic` is always the base topic.
 *
 * @example
 * const handler = async (msg: IncomingMessage<'agent.results'>) => { msg.envelope.payload.taskId; };
 */
export interface IncomingMessage<T extends string = TopicName> {
  topic: T;
  envelope: Envelope<T extends TopicName ? PayloadOf<T> : unknown>;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  deliveryAttempt: number;
}

/**
 * A running consumer group member.
 *
 * @example
 * const handle = await bus.consume({ groupId: 'switchboard.triage', topics: ['agent.triage.tasks'], handler });
 * await handle.stop();
 */
export interface ConsumerHandle {
  /** Finishes the message in flight, commits it, leaves the group. */
  stop(): Promise<void>;
  /** False once kafkajs crashed without restarting (for readiness checks). */
  healthy(): boolean;
  /** Resolves after the first fetch following a group join, i.e. once offsets are positioned. */
  readonly ready: Promise<void>;
}

/** A record as the outbox relay hands it to {@link KafkaBus.publishRaw}: value already serialized. */
export interface RawRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * How the consumer loop reads one topic: its schema, and for bare topics (tickets.ingress) how to wrap a payload
 * into an envelope. {@link topicBinding} builds it for contract topics; tests define their own.
 *
 * @example
 * const binding: TopicBinding = { topic: 'test.orders', partitions: 3, type: 'test.order', schema: OrderSchema };
 */
export interface TopicBinding<P = unknown> {
  topic: string;
  partitions: number;
  type: string;
  /** Schema of the payload (enveloped topics) or of the whole message (bare topics). */
  schema: z.ZodType<P>;
  /** Present for bare topics: builds the envelope handlers see. */
  /** `value`: the record's bytes, part of the wrapped envelope's id (see stableMessageId). */
  wrap?(payload: P, source: MessageSource, value: Buffer | null): Envelope<P>;
}

/** Options of {@link KafkaBus.consumeBindings}, the untyped form of `consume`. */
export interface ConsumeBindingsOptions {
  groupId: string;
  bindings: TopicBinding[];
  handler: (message: IncomingMessage<string>) => Promise<void>;
  partitionsConsumedConcurrently?: number;
  /**
   * When offsets of handled messages are committed: after each message (default — a crash redelivers at most the
   * message in flight); once per fetched batch; or `interval`: at most once per `BUS_COMMIT_INTERVAL_MS` for all
   * partitions in one request (and before pausing, on shutdown). The last two cut commit requests — the broker's and
   * the client's biggest per-message cost after the records themselves — but a crash redelivers what was handled
   * since the last commit, so they are only for handlers that recognise repeats (a ledger, deterministic ids).
   */
  commitEvery?: 'message' | 'batch' | 'interval';
  /**
   * Messages of one fetched batch handled at once, at most one per record key: the order per key (per case) holds,
   * messages of different keys overlap. Default 1: one message after another. After a message that cannot be
   * committed (an outage, a held retry), no further message of the batch starts; the ones already running finish, the
   * offset moves to the first message not handled, and the partition pauses. Messages of other keys after it that were
   * handled are delivered again, so more than 1 is only for handlers that recognise repeats (a ledger, deterministic
   * ids). Retry topics are always handled one message after another (their messages wait for their time).
   */
  keyConcurrency?: number;
  /** Where a group with no committed offset starts; default true, so nothing published before first start is lost. */
  fromBeginning?: boolean;
}
