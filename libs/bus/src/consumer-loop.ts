import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterTopic, retryTopic, type DeadLetter } from '@switchboard/contracts';
import {
  busHandlerSeconds, busMessages, describeError, extractTraceContext, inSpan, isDependencyUnavailable, JsonLogger, SpanKind, SwitchboardError, withLogContext,
} from '@switchboard/observability';
import type { BusConfig } from './bus.config';
import { BUS_PARTITION_ASSIGNERS } from './co-partitioned-assigner';
import { BUS_HEADERS, decodeHeaders } from './bus.headers';
import type { ConsumeBindingsOptions, ConsumerHandle, IncomingMessage, MessageSource, TopicBinding } from './bus.types';
import { buildDeadLetter } from './dead-letter';
import { isRetriableKafkaError } from './kafka-errors';
import { decodeMessage, stableMessageId } from './message-decoder';
import { decideFailure, outageDelayMs, type OutagePolicy, type RetryPolicy } from './retry-policy';

/** A record as the loop sends it: key may be null (dead letters of keyless messages), value raw bytes. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: Buffer | string;
  headers: Record<string, string>;
}

// After a failed dead-letter or retry publish the partition is paused this long, then the message is read again.
const HOLD_MS = 1_000;
// A consumer kafkajs gave up on (a crash it does not restart) is rebuilt after this backoff.
const RESTART_POLICY: OutagePolicy = { baseMs: 1_000, maxMs: 30_000 };

interface Route {
  binding: TopicBinding;
  retry: boolean;
}

interface Delivery {
  attempt: number;
  notBefore: number;
  source: MessageSource;
  headers: Record<string, string>;
}

/** `hold`: a retry/dead-letter record could not be published; `outage`: a dependency was down, try the same message later. */
type Outcome = 'commit' | 'hold' | 'outage';

function toTopics(offsets: Array<{ topic: string; partition: number; offset: string }>): { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> } {
  const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
  return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
}

/**
 * One consumer group member running the bus semantics (docs/bus.md): validate, run the handler, commit only after
 * it returned, retry through `<topic>.retry`, dead-letter to `<topic>.dlq`; while a dependency is down, pause the
 * partition and try the same message again later. Built by {@link KafkaBus.consumeBindings}.
 */
export class ConsumerLoop implements ConsumerHandle {
  readonly ready: Promise<void>;
  private readonly logger: JsonLogger;
  private consumer: Consumer;
  private readonly routes = new Map<string, Route>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly policy: RetryPolicy;
  private readonly outagePolicy: OutagePolicy;
  /** Consecutive dependency outages per `topic\u0000partition` whose message waits to be tried again. */
  private readonly outages = new Map<string, number>();
  private outageSince?: number;
  private restarts = 0;
  private assignment = new Map<string, Set<number>>();
  /** Next offset to commit per `topic\u0000partition`: handled, not yet committed. */
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  private lastCommit = Date.now();
  private commitTimer?: NodeJS.Timeout;
  private committing: Promise<void> = Promise.resolve();
  private joined = false;
  private stopping?: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: BusConfig,
    private readonly options: ConsumeBindingsOptions,
    private readonly send: (records: OutgoingRecord[]) => Promise<void>,
    private readonly onStopped: () => void = () => undefined,
    /** Contract topic name → name on the cluster (KAFKA_TOPIC_PREFIX); records to send keep contract names. */
    topicName: (topic: string) => string = (topic) => topic,
  ) {
    this.logger = new JsonLogger(`consumer:${options.groupId}`);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.policy = { maxAttempts: config.BUS_MAX_ATTEMPTS, baseMs: config.BUS_RETRY_BASE_MS, factor: config.BUS_RETRY_FACTOR, maxMs: config.BUS_RETRY_MAX_MS };
    this.outagePolicy = { baseMs: config.BUS_OUTAGE_RETRY_BASE_MS, maxMs: Math.max(config.BUS_OUTAGE_RETRY_BASE_MS, config.BUS_OUTAGE_RETRY_MAX_MS) };
    for (const binding of options.bindings) {
      this.routes.set(topicName(binding.topic), { binding, retry: false });
      this.routes.set(topicName(retryTopic(binding.topic)), { binding, retry: true });
    }
    this.consumer = this.createConsumer();
  }

  /**
   * Connects, subscribes and starts fetching. A broker that is not reachable yet, or topics whose metadata has not
   * reached every broker (another service just created them), are retried with backoff for up to
   * BUS_STARTUP_TIMEOUT_MS; then, or on an error retrying cannot fix, it throws `BUS.CONSUMER_START_FAILED`.
   */
  async start(): Promise<void> {
    const deadline = Date.now() + this.config.BUS_STARTUP_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run();
        return;
      } catch (error) {
        await this.consumer.disconnect().catch(() => undefined);
        const delayMs = outageDelayMs(attempt, RESTART_POLICY);
        const info = describeError(error);
        if (this.stopping || !isRetriableKafkaError(error) || Date.now() + delayMs > deadline) {
          throw new SwitchboardError('BUS.CONSUMER_START_FAILED', 'third_party', `consumer group ${this.options.groupId} could not start after ${attempt} attempt(s): ${info.message}`, { cause: error });
        }
        this.logger.warn('consumer could not start yet; retrying', { attempt, delayMs, error: info });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        this.consumer = this.createConsumer();
      }
    }
  }

  /** Joined to its group and fetching (not crashed, not restarting, not stopping): what readiness checks report. */
  healthy(): boolean {
    return this.joined && !this.stopping;
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.config.BUS_SESSION_TIMEOUT_MS,
      heartbeatInterval: this.config.BUS_HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: this.config.BUS_FETCH_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
      // A key's messages on every topic of the group go to one member (the supervisor's case cache and its writes).
      partitionAssigners: BUS_PARTITION_ASSIGNERS,
    });
    const { GROUP_JOIN, FETCH, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.assignment = new Map(Object.entries(payload.memberAssignment).map(([topic, partitions]) => [topic, new Set(partitions)]));
      // Offsets of partitions that went elsewhere are the new owner's to commit; ours could move theirs back.
      for (const [key, o] of this.uncommitted) if (!this.assignment.get(o.topic)?.has(o.partition)) this.uncommitted.delete(key);
      for (const key of this.outages.keys()) {
        const [topic, partition] = key.split('\u0000');
        if (!this.assignment.get(topic!)?.has(Number(partition))) this.outages.delete(key);
      }
      this.outageEnded();
      this.joined = true;
      this.restarts = 0;
      this.logger.info('joined consumer group', { memberAssignment: payload.memberAssignment });
    });
    consumer.on(FETCH, () => {
      if (this.joined) this.markReady();
    });
    consumer.on(CRASH, ({ payload }) => {
      if (consumer !== this.consumer) return;
      this.joined = false;
      const error = describeError(payload.error);
      if (payload.restart) {
        this.logger.warn('consumer lost its broker connection or group; kafkajs restarts it', { error });
        return;
      }
      // kafkajs gives up on errors it does not classify as retriable and leaves the consumer disconnected; a
      // consumer that silently stops would strand its partitions, so it is rebuilt (readiness says not ready meanwhile).
      this.logger.error('consumer crashed; rebuilding it', { error });
      this.scheduleRestart();
    });
    return consumer;
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.routes.keys()], fromBeginning: this.options.fromBeginning ?? this.config.BUS_NEW_GROUP_START === 'earliest' });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? this.config.BUS_CONCURRENCY,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private scheduleRestart(): void {
    if (this.stopping) return;
    const delayMs = outageDelayMs(++this.restarts, RESTART_POLICY);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      void (async () => {
        await this.consumer.disconnect().catch(() => undefined);
        this.uncommitted.clear();
        this.consumer = this.createConsumer();
        try {
          await this.run();
        } catch (error) {
          this.logger.error('consumer could not be rebuilt; trying again', { error: describeError(error), attempt: this.restarts });
          this.scheduleRestart();
        }
      })();
    }, delayMs);
    this.timers.add(timer);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      try {
        // What was handled is committed before leaving; a batch still running commits its own last message.
        await this.flushCommits((offsets) => this.consumer.commitOffsets(offsets));
        await this.consumer.stop();
        await this.consumer.disconnect();
      } finally {
        this.onStopped();
      }
    })();
    return this.stopping;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, pause, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const route = this.routes.get(batch.topic);
    if (!route) return;
    // Inside a batch, commits go through the batch's own committer (it still works while the consumer is stopping),
    // and a failure is rethrown: a commit refused because the group rebalanced makes kafkajs stop this batch and
    // rejoin, so a partition that went to another member is not worked on by two at once.
    const commit = () => this.flushCommits((offsets) => commitOffsetsIfNecessary(toTopics(offsets)), true);
    const mode = this.options.commitEvery ?? 'message';
    const partitionKey = `${batch.topic}\u0000${batch.partition}`;
    // A revoked partition is not ours to commit; unresolved messages are re-read by whoever owns it next.
    const owned = () => isRunning() && !isStale() && !this.stopping && this.assignment.get(batch.topic)?.has(batch.partition) === true;
    const keyConcurrency = this.options.keyConcurrency ?? 1;
    if (keyConcurrency > 1 && !route.retry) return this.onBatchByKey(payload, route, { commit, mode, partitionKey, owned }, keyConcurrency);
    for (const message of batch.messages) {
      if (!owned()) return;
      const delivery = this.readDelivery(route, batch.topic, batch.partition, message);
      const wait = delivery.notBefore - Date.now();
      if (wait > 0) {
        // Pausing (instead of sleeping here) keeps heartbeats and the other partitions going; the unresolved
        // message is fetched again after resume.
        await commit();
        this.pauseFor(pause, wait);
        return;
      }
      const outcome = await this.process(route.binding, batch.partition, message, delivery, heartbeat, partitionKey);
      if (outcome !== 'commit') {
        // The message stays unresolved: after the pause it is fetched and tried again, as the same delivery.
        await commit();
        this.pauseAfter(pause, outcome, partitionKey);
        return;
      }
      if (this.outages.delete(partitionKey)) this.outageEnded();
      this.markHandled(batch.topic, batch.partition, message.offset, resolveOffset);
      if (mode === 'message' || this.stopping || (mode === 'interval' && this.intervalElapsed())) await commit();
      else if (mode === 'interval') this.commitLater();
      await heartbeat();
    }
    if (mode === 'batch' && isRunning() && !isStale() && this.assignment.get(batch.topic)?.has(batch.partition)) await commit();
  }

  /**
   * A batch with up to `limit` messages in flight, one per key at a time (ConsumeBindingsOptions.keyConcurrency): each
   * key's messages run one after another in offset order, different keys overlap. The first message that cannot be
   * committed stops the batch: nothing new starts, what runs finishes, the offset moves to the first message not
   * handled (later ones of other keys that were handled come again and are recognised), and the partition pauses.
   */
  private async onBatchByKey(
    payload: EachBatchPayload,
    route: Route,
    { commit, mode, partitionKey, owned }: { commit: () => Promise<void>; mode: 'message' | 'batch' | 'interval'; partitionKey: string; owned: () => boolean },
    limit: number,
  ): Promise<void> {
    const { batch, resolveOffset, heartbeat, pause } = payload;
    const handled: boolean[] = batch.messages.map(() => false);
    let blocked: Exclude<Outcome, 'commit'> | undefined;
    const chains = new Map<string, Promise<void>>();
    const running = new Set<Promise<void>>();
    for (let i = 0; i < batch.messages.length && blocked === undefined && owned(); i++) {
      const message = batch.messages[i]!;
      const index = i;
      const key = message.key?.toString('utf8') ?? `\u0000${message.offset}`;
      const delivery = this.readDelivery(route, batch.topic, batch.partition, message);
      const run: Promise<void> = (chains.get(key) ?? Promise.resolve()).then(async () => {
        if (blocked !== undefined || !owned()) return;
        const outcome = await this.process(route.binding, batch.partition, message, delivery, heartbeat, partitionKey);
        if (outcome === 'commit') handled[index] = true;
        else blocked ??= outcome;
        // As the sequential path does after each message (kafkajs sends at most one per heartbeat interval): a batch
        // of many short messages can outlast the session timeout, and kafkajs heartbeats only between batches. A
        // rebalance error is left to the heartbeat after the batch, which reports it again.
        await heartbeat().catch(() => undefined);
      }).catch((error: unknown) => {
        // process() turns handler errors into outcomes; anything escaping it leaves the message unhandled.
        this.logger.error('message handling failed outside the handler; it is read again', { topic: batch.topic, partition: batch.partition, offset: message.offset, error: describeError(error) });
        blocked ??= 'hold';
      });
      chains.set(key, run);
      running.add(run);
      void run.then(() => running.delete(run));
      while (running.size >= limit) await Promise.race(running);
    }
    await Promise.all(running);
    let last = -1;
    while (last + 1 < handled.length && handled[last + 1]) last++;
    if (last >= 0 && this.assignment.get(batch.topic)?.has(batch.partition)) this.markHandled(batch.topic, batch.partition, batch.messages[last]!.offset, resolveOffset);
    if (blocked !== undefined) {
      await commit();
      this.pauseAfter(pause, blocked, partitionKey);
      return;
    }
    if (last < 0) return; // revoked or stopping before anything was handled
    if (this.outages.delete(partitionKey)) this.outageEnded();
    if (mode !== 'interval' || this.stopping || this.intervalElapsed()) {
      // While stopping, the batch's committer still works and stop() has already flushed: commit what finished since.
      if (this.stopping || owned()) await commit();
    } else {
      this.commitLater();
    }
    await heartbeat();
  }

  /**
   * A handled message: its partition's next offset to commit, and resolved for kafkajs. The handler's effects (or the
   * retry / dead-letter record) are durable, so the offset may be committed — now, with the batch, or with the next
   * interval commit. A commit from a fenced generation fails with a rebalance error, which kafkajs handles by
   * rejoining; the message is then redelivered and the ledger recognises it.
   */
  private markHandled(topic: string, partition: number, offset: string, resolveOffset: (offset: string) => void): void {
    this.uncommitted.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    resolveOffset(offset);
  }

  /** Pauses a partition whose message could not be committed: after a held record HOLD_MS, after an outage its back-off. */
  private pauseAfter(pause: () => () => void, outcome: Exclude<Outcome, 'commit'>, partitionKey: string): void {
    this.pauseFor(pause, outcome === 'hold' ? HOLD_MS : outageDelayMs(this.outages.get(partitionKey) ?? 1, this.outagePolicy));
  }

  /** `commitEvery: 'interval'`: the last commit is at least BUS_COMMIT_INTERVAL_MS old. */
  private intervalElapsed(): boolean {
    return Date.now() - this.lastCommit >= this.config.BUS_COMMIT_INTERVAL_MS;
  }

  /** `commitEvery: 'interval'`: what is handled by then is committed when the interval ends, unless a commit comes first. */
  private commitLater(): void {
    this.commitTimer ??= setTimeout(() => void this.flushCommits((offsets) => this.consumer.commitOffsets(offsets)), this.config.BUS_COMMIT_INTERVAL_MS);
  }

  /**
   * Commits every handled, uncommitted offset in one request. Commits run one after another, each with offsets taken
   * after the previous one's, so a partition's committed offset only moves forward. A failed commit means redelivery
   * of handled messages, which the handlers recognise; it is logged, and rethrown to a caller inside a batch.
   */
  private flushCommits(send: (offsets: Array<{ topic: string; partition: number; offset: string }>) => Promise<unknown>, rethrow = false): Promise<void> {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.uncommitted.size === 0) return this.committing;
    const offsets = [...this.uncommitted.values()];
    this.uncommitted.clear();
    this.lastCommit = Date.now();
    const sent = this.committing.then(() => send(offsets)).then(() => undefined);
    this.committing = sent.catch((error: unknown) => {
      this.logger.warn('offset commit failed; handled messages may be delivered again', { error: describeError(error), partitions: offsets.length });
    });
    return rethrow ? sent : this.committing;
  }

  private readDelivery(route: Route, topic: string, partition: number, message: KafkaMessage): Delivery {
    const headers = decodeHeaders(message.headers);
    if (!route.retry) return { attempt: 1, notBefore: 0, headers, source: { topic, partition, offset: message.offset } };
    const int = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
    return {
      attempt: Math.max(2, int(headers[BUS_HEADERS.deliveryAttempt]) ?? 2),
      notBefore: int(headers[BUS_HEADERS.notBefore]) ?? 0,
      headers,
      source: {
        topic: headers[BUS_HEADERS.originalTopic] ?? route.binding.topic,
        partition: int(headers[BUS_HEADERS.originalPartition]) ?? partition,
        offset: headers[BUS_HEADERS.originalOffset] ?? message.offset,
      },
    };
  }

  private async process(binding: TopicBinding, partition: number, message: KafkaMessage, delivery: Delivery, heartbeat: () => Promise<void>, partitionKey: string): Promise<Outcome> {
    const decoded = decodeMessage(binding, message.value, delivery.source, this.config.BUS_MAX_MESSAGE_BYTES);
    if (!decoded.ok) {
      this.logger.warn('message dead-lettered unread', { topic: binding.topic, partition, offset: message.offset, reason: decoded.failure.code, detail: decoded.failure.message });
      return this.deadLetter(binding, message, delivery, { ...decoded.failure }, 0);
    }
    const envelope = decoded.envelope;
    const incoming: IncomingMessage<string> = {
      topic: binding.topic, envelope, partition, offset: message.offset, headers: delivery.headers, deliveryAttempt: delivery.attempt,
    };
    return withLogContext({ caseId: envelope.caseId, correlationId: envelope.correlationId, messageId: envelope.id }, async () => {
      const timer = busHandlerSeconds.startTimer({ topic: binding.topic });
      try {
        await inSpan(
          `${binding.topic} process`,
          {
            kind: SpanKind.CONSUMER,
            parent: extractTraceContext(delivery.headers),
            attributes: {
              'messaging.system': 'kafka',
              'messaging.destination.name': binding.topic,
              'messaging.consumer.group.name': this.options.groupId,
              'messaging.kafka.destination.partition': partition,
              'messaging.kafka.message.offset': Number(message.offset),
              'messaging.message.id': envelope.id,
              'switchboard.delivery_attempt': delivery.attempt,
            },
          },
          () => this.withHeartbeats(heartbeat, () => this.options.handler(incoming)),
        );
        timer();
        busMessages.inc({ topic: binding.topic, outcome: 'handled' });
        return 'commit';
      } catch (error) {
        timer();
        if (isDependencyUnavailable(error)) return this.onOutage(binding, partition, message, partitionKey, error);
        return this.onHandlerError(binding, message, delivery, error);
      }
    });
  }

  /**
   * A dependency was down while handling: not the message's fault, so no retry record and no attempt spent. The
   * partition pauses with capped backoff and the same message is tried again, for as long as the outage lasts;
   * poison messages still take the retry budget and the DLQ, since their errors are not outages.
   */
  private onOutage(binding: TopicBinding, partition: number, message: KafkaMessage, partitionKey: string, error: unknown): Outcome {
    const failures = (this.outages.get(partitionKey) ?? 0) + 1;
    this.outages.set(partitionKey, failures);
    busMessages.inc({ topic: binding.topic, outcome: 'outage' });
    const info = describeError(error);
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.logger.warn('a dependency is unavailable: pausing partitions and trying their messages again until it is back (no retry budget spent)', { topic: binding.topic, partition, offset: message.offset, error: info });
    } else {
      this.logger.debug('dependency still unavailable; partition paused', { topic: binding.topic, partition, offset: message.offset, failures, error: info });
    }
    return 'outage';
  }

  private outageEnded(): void {
    if (this.outages.size > 0 || this.outageSince === undefined) return;
    this.logger.info('dependency is back: every paused partition is moving again', { outageMs: Date.now() - this.outageSince });
    this.outageSince = undefined;
  }

  private async onHandlerError(binding: TopicBinding, message: KafkaMessage, delivery: Delivery, error: unknown): Promise<Outcome> {
    const info = describeError(error);
    const decision = decideFailure(info.category, delivery.attempt, this.policy);
    if (decision.action === 'dead-letter') {
      this.logger.error('handler failed, dead-lettering', { topic: binding.topic, attempt: delivery.attempt, error: info });
      const message_ = decision.exhausted ? `gave up after ${delivery.attempt} attempts: ${info.message}` : info.message;
      return this.deadLetter(binding, message, delivery, { code: info.code, message: message_ }, delivery.attempt);
    }
    this.logger.warn('handler failed, will retry', { topic: binding.topic, attempt: delivery.attempt, nextAttempt: decision.nextAttempt, delayMs: decision.delayMs, error: info });
    const headers: Record<string, string> = {
      ...delivery.headers,
      [BUS_HEADERS.deliveryAttempt]: String(decision.nextAttempt),
      [BUS_HEADERS.notBefore]: String(Date.now() + decision.delayMs),
      [BUS_HEADERS.originalTopic]: delivery.source.topic,
      [BUS_HEADERS.originalPartition]: String(delivery.source.partition),
      [BUS_HEADERS.originalOffset]: delivery.source.offset,
      [BUS_HEADERS.lastError]: `${info.code}: ${info.message}`.slice(0, 500),
    };
    // Same key and the original bytes: the retry stays in the case's partition and keeps its message id.
    return this.counted(binding.topic, 'retried', this.trySend([{ topic: retryTopic(binding.topic), key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0), headers }], 'retry'));
  }

  private deadLetter(binding: TopicBinding, message: KafkaMessage, delivery: Delivery, reason: DeadLetter['reason'], attempts: number): Promise<Outcome> {
    const key = message.key?.toString('utf8') ?? null;
    const letter = buildDeadLetter({
      source: delivery.source, key, headers: delivery.headers, value: message.value, attempts, consumerGroup: this.options.groupId, reason,
    });
    const headers: Record<string, string> = {
      [BUS_HEADERS.messageId]: delivery.headers[BUS_HEADERS.messageId] ?? stableMessageId(delivery.source, message.value),
      [BUS_HEADERS.deadLetterCode]: reason.code,
      [BUS_HEADERS.originalTopic]: delivery.source.topic,
      ...(delivery.headers.traceparent ? { traceparent: delivery.headers.traceparent } : {}),
    };
    return this.counted(binding.topic, 'dead_lettered', this.trySend([{ topic: deadLetterTopic(binding.topic), key, value: JSON.stringify(letter), headers }], 'dead-letter'));
  }

  /** Counts a retry or dead letter once its record is out; one that could not be published is counted as held. */
  private async counted(topic: string, outcome: 'retried' | 'dead_lettered', sent: Promise<Outcome>): Promise<Outcome> {
    const result = await sent;
    busMessages.inc({ topic, outcome: result === 'commit' ? outcome : 'held' });
    return result;
  }

  private async trySend(records: OutgoingRecord[], what: string): Promise<Outcome> {
    try {
      await this.send(records);
      return 'commit';
    } catch (error) {
      // Not committing keeps the message; it is read again after the hold instead of being lost.
      this.logger.error(`could not publish ${what} record; holding the partition`, { topic: records[0]?.topic, error: describeError(error), holdMs: HOLD_MS });
      return 'hold';
    }
  }

  /** Keeps the group membership alive while a long handler runs (STYLE.md §5, AMP KafkaPacemaker). */
  private async withHeartbeats<T>(heartbeat: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
    // A rebalance error here is ignored: the heartbeat after the commit reports it again and kafkajs rejoins then.
    const timer = setInterval(() => void heartbeat().catch(() => undefined), this.config.BUS_HEARTBEAT_INTERVAL_MS);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  private pauseFor(pause: () => () => void, ms: number): void {
    const resume = pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) resume();
    }, ms);
    this.timers.add(timer);
  }
}
