import { Kafka, logLevel, Partitioners, type Admin, type Message, type Producer } from 'kafkajs';
import {
  deadLetterTopic, envelopeFor, newMessageId, retryTopic, TicketEventSchema, TOPIC_SPECS, TOPICS, caseIdFor,
  type Envelope, type EnvelopeFields, type PayloadOf, type TicketEvent, type TicketEventInput, type TopicName,
} from '@switchboard/contracts';
import { inSpan, injectTraceContext, JsonLogger, SpanKind, SwitchboardError } from '@switchboard/observability';
import type { BusConfig } from './bus.config';
import { BUS_HEADERS } from './bus.headers';
import type { ConsumeBindingsOptions, ConsumerHandle, IncomingMessage, RawRecord, TopicBinding } from './bus.types';
import { ConsumerLoop, type OutgoingRecord } from './consumer-loop';
import { deadLetterTopicMaxBytes } from './dead-letter';
import { isRetriableKafkaError } from './kafka-errors';
import { kafkaLogCreator } from './kafka-logger';
import { kafkaSecurityOptions } from './kafka-security';
import { formatIssues, messageSchema, topicBinding } from './message-decoder';

/**
 * A message that does not match its topic's schema was about to be published: a bug, so never retried (`user`
 * category: the handler's incoming message goes to the DLQ with this reason).
 *
 * @example
 * await expect(bus.publish('agent.results', bad)).rejects.toBeInstanceOf(PublishInvalidError);
 */
export class PublishInvalidError extends SwitchboardError {
  constructor(topic: string, issues: Array<{ path: string; message: string }>) {
    super('BUS.PUBLISH_INVALID', 'user', `refusing to publish an invalid message to ${topic}: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ')}`, { details: { issues } });
  }
}

/** Metadata of a new envelope (the bus picks its id and time); `attempt` defaults to 0. */
export type EnvelopeMeta = Omit<EnvelopeFields, 'id' | 'occurredAt'>;

/** Records of one publish call waiting for the produce request that carries them. */
interface PendingSend {
  records: readonly OutgoingRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Upper bound of records coalesced into one produce request. */
const MAX_RECORDS_PER_REQUEST = 500;

/** A topic to create with its `.retry` and `.dlq` companions. */
export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * The message bus over kafkajs (no Nest imports; see bus.module.ts for the Nest wrapper). Publishes validated,
 * case-keyed messages and runs consumer groups with validation, dead-lettering, retry topics and commit-after-effect
 * (docs/bus.md).
 *
 * @example
 * const bus = new KafkaBus(config, 'supervisor');
 * await bus.connect();
 * await bus.ensureTopics();
 * await bus.publish('agent.triage.tasks', bus.envelope('agent.triage.tasks', task, meta));
 * const handle = await bus.consume({ groupId: 'switchboard.supervisor', topics: ['agent.results'], handler });
 */
export class KafkaBus {
  private readonly logger = new JsonLogger(KafkaBus.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumers = new Set<ConsumerLoop>();
  private readonly ensured = new Set<string>();
  private connecting?: Promise<void>;
  private readonly sendQueue: PendingSend[] = [];
  private draining = false;

  constructor(
    private readonly config: BusConfig,
    clientId: string,
  ) {
    this.kafka = new Kafka({
      clientId: `${config.KAFKA_CLIENT_ID}.${clientId}`,
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator,
      ...kafkaSecurityOptions(config),
    });
    // Java-compatible murmur2 partitioning: the same key lands on the same partition whichever client wrote it.
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
  }

  /** Connects the producer and the admin client; safe to call more than once. Publishing connects lazily too. */
  connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connecting = undefined;
        throw new SwitchboardError('BUS.CONNECT_FAILED', 'third_party', `cannot connect to Kafka at ${this.config.KAFKA_BROKERS.join(',')}: ${(error as Error).message}`, { cause: error });
      },
    );
    return this.connecting;
  }

  /** Stops every consumer started by this bus (each finishes and commits its message in flight), then disconnects. */
  async disconnect(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    if (this.connecting) {
      this.connecting = undefined;
      await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
    }
  }

  /**
   * The name a topic has on the cluster: `KAFKA_TOPIC_PREFIX` + `.` + the contract name (or the contract name without
   * a prefix). Everything else in Switchboard — handlers, the outbox, logs — speaks contract names; only this bus
   * translates, so two deployments can share a cluster without seeing each other's messages.
   *
   * @example
   * new KafkaBus({ ...config, KAFKA_TOPIC_PREFIX: 'eu-prod' }, 'x').topicName('agent.results'); // 'eu-prod.agent.results'
   */
  topicName(topic: string): string {
    return this.config.KAFKA_TOPIC_PREFIX ? `${this.config.KAFKA_TOPIC_PREFIX}.${topic}` : topic;
  }

  /**
   * The consumer group id a member joins on the cluster: prefixed like topics when `KAFKA_TOPIC_PREFIX` is set. Two
   * deployments sharing a cluster must not share a group: kafkajs assigns every partition a group subscribes to
   * among all its members, so a member of the other deployment would be handed partitions it never reads.
   *
   * @example
   * new KafkaBus({ ...config, KAFKA_TOPIC_PREFIX: 'eu-prod' }, 'x').groupName('switchboard.triage'); // 'eu-prod.switchboard.triage'
   */
  groupName(groupId: string): string {
    return this.topicName(groupId);
  }

  /**
   * Creates each topic (default: every contract topic) with its `.retry` and `.dlq`, partitions from TOPIC_SPECS, and
   * resolves once every partition of each has a leader. Safe when several services start at once on a fresh cluster
   * or prefix: a topic another service created first counts as created, and metadata the broker has not caught up
   * with yet is waited for. A broker that is not reachable yet is retried too; after BUS_STARTUP_TIMEOUT_MS it throws
   * `BUS.TOPICS_NOT_READY` saying what was missing (an error retrying cannot fix, e.g. a replication factor the
   * cluster cannot meet, throws `BUS.TOPIC_CREATE_FAILED` at once).
   *
   * @example
   * await bus.ensureTopics(['tickets.ingress']);
   */
  async ensureTopics(topics: readonly TopicName[] = Object.values(TOPICS)): Promise<void> {
    await this.ensureTopicSpecs(topics.map((topic) => ({ topic, partitions: TOPIC_SPECS[topic].partitions })));
  }

  /**
   * Untyped form of {@link ensureTopics} for topics outside the contracts (tests, tools).
   *
   * @example
   * await bus.ensureTopicSpecs([{ topic: 'test.orders', partitions: 4 }]);
   */
  async ensureTopicSpecs(specs: readonly TopicSpec[]): Promise<void> {
    const wanted = specs
      .flatMap(({ topic, partitions }) => [
        { topic: this.topicName(topic), numPartitions: partitions },
        { topic: this.topicName(retryTopic(topic)), numPartitions: partitions },
        {
          topic: this.topicName(deadLetterTopic(topic)),
          numPartitions: partitions,
          configEntries: [{ name: 'max.message.bytes', value: String(deadLetterTopicMaxBytes(this.config.BUS_MAX_MESSAGE_BYTES)) }],
        },
      ])
      .filter((t) => !this.ensured.has(t.topic));
    if (wanted.length === 0) return;
    const deadline = Date.now() + this.config.BUS_STARTUP_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        problem = await this.provision(wanted);
        if (!problem) return;
      } catch (error) {
        if (!isRetriableKafkaError(error)) {
          throw new SwitchboardError('BUS.TOPIC_CREATE_FAILED', 'system', `cannot create topics ${wanted.map((t) => t.topic).join(', ')}: ${(error as Error).message}`, { cause: error });
        }
        problem = (error as Error).message;
      }
      const delayMs = Math.min(2_000, 100 * 2 ** (attempt - 1));
      if (Date.now() + delayMs > deadline) {
        throw new SwitchboardError('BUS.TOPICS_NOT_READY', 'third_party', `Kafka topics not ready after ${Math.round(this.config.BUS_STARTUP_TIMEOUT_MS / 1000)} s (brokers ${this.config.KAFKA_BROKERS.join(',')}): ${problem}`);
      }
      // Routine for a moment on a fresh cluster; worth a line only when it keeps happening.
      if (attempt === 5 || attempt % 20 === 0) this.logger.warn('waiting for Kafka topics to be ready', { attempt, problem });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** One round of {@link ensureTopicSpecs}: creates what is missing, returns '' when all are ready, else what is not. */
  private async provision(wanted: Array<{ topic: string; numPartitions: number; configEntries?: Array<{ name: string; value: string }> }>): Promise<string> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      // Leaders are awaited below, by metadata polling that tolerates a broker still learning of the topics: kafkajs'
      // own wait gives up on UNKNOWN_TOPIC_OR_PARTITION. Resolves false when another service created some first.
      const created = await this.admin.createTopics({ topics: missing, waitForLeaders: false });
      this.logger.info(created ? 'topics created' : 'topics created (some by another service)', { topics: missing.map((t) => `${t.topic}:${t.numPartitions}`) });
    }
    const metadata = await this.admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
    const notReady = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
    if (notReady.length > 0) return `no leader yet for ${notReady.join(', ')}`;
    for (const t of metadata.topics) {
      const spec = wanted.find((w) => w.topic === t.name);
      if (spec && t.partitions.length < spec.numPartitions) {
        // Adding partitions would move keys to other partitions mid-case, so it is left to an operator.
        this.logger.warn('topic has fewer partitions than specified', { topic: t.name, partitions: t.partitions.length, specified: spec.numPartitions });
      }
      this.ensured.add(t.name);
    }
    return '';
  }

  /**
   * A new envelope for `topic`: fills id, type, version 1 and occurredAt.
   *
   * @example
   * bus.envelope('agent.results', result, { caseId, tenantId, region, correlationId, causationId: task.id });
   */
  envelope<T extends TopicName>(topic: T, payload: PayloadOf<T>, meta: EnvelopeMeta): Envelope<PayloadOf<T>> {
    return envelopeFor(topic, payload, { ...meta, id: newMessageId() });
  }

  /**
   * Validates `envelope` against the topic's schema (throws {@link PublishInvalidError}) and publishes it keyed by
   * case id, with `message-id`, `type` and W3C `traceparent` headers. Resolves once all in-sync replicas have it.
   *
   * @example
   * await bus.publish('agent.triage.tasks', bus.envelope('agent.triage.tasks', task, meta));
   */
  async publish<T extends TopicName>(topic: T, envelope: Envelope<PayloadOf<T>>): Promise<void> {
    await this.publishTo(topicBinding(topic) as TopicBinding, envelope);
  }

  /**
   * Untyped form of {@link publish} for a {@link TopicBinding} (tests, tools).
   *
   * @example
   * await bus.publishTo(binding, envelope);
   */
  async publishTo(binding: TopicBinding, envelope: Envelope<unknown>): Promise<void> {
    if (binding.wrap) throw new SwitchboardError('BUS.BARE_TOPIC', 'user', `${binding.topic} carries bare messages, not envelopes; use publishTicket`);
    const parsed = messageSchema(binding).safeParse(envelope);
    if (!parsed.success) throw new PublishInvalidError(binding.topic, formatIssues(parsed.error));
    const value = parsed.data as Envelope<unknown>;
    await this.send(binding.topic, value.caseId, JSON.stringify(value), { [BUS_HEADERS.messageId]: value.id, [BUS_HEADERS.type]: value.type });
  }

  /**
   * Publishes a ticket to `tickets.ingress` as bare JSON (the documented public format), keyed by its case id;
   * `headers` go with the record (the ingress sends its intake findings so).
   *
   * @example
   * await bus.publishTicket({ externalId: 'ZD-1', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', … });
   */
  async publishTicket(ticket: TicketEvent | TicketEventInput, options: { headers?: Record<string, string> } = {}): Promise<void> {
    const parsed = TicketEventSchema.safeParse(ticket);
    if (!parsed.success) throw new PublishInvalidError(TOPICS.ticketsIngress, formatIssues(parsed.error));
    await this.send(TOPICS.ticketsIngress, caseIdFor(parsed.data), JSON.stringify(parsed.data), { ...options.headers, [BUS_HEADERS.type]: TOPIC_SPECS['tickets.ingress'].type });
  }

  /**
   * Publishes already-serialized records as they are, in order (per topic, one request); used by the outbox relay.
   *
   * @example
   * const relay = new OutboxRelay(pool, (records) => bus.publishRaw(records));
   */
  async publishRaw(records: readonly RawRecord[]): Promise<void> {
    await this.sendRecords(records);
  }

  /**
   * Runs a consumer group member on contract topics (and their `.retry` topics). Each message is validated, run
   * through `handler` inside a log context and a CONSUMER span, and committed only after the handler returned;
   * failures retry with backoff or go to `<topic>.dlq` (docs/bus.md). Resolves once the member has joined the group.
   *
   * @example
   * const handle = await bus.consume({
   *   groupId: 'switchboard.supervisor', topics: ['tickets.ingress', 'agent.results'],
   *   handler: async (msg) => ledger.runOnce('supervisor', msg.envelope.id, (tx) => cases.apply(tx, msg)),
   * });
   */
  async consume<T extends TopicName>(options: {
    groupId: string;
    topics: T[];
    handler: (message: IncomingMessage<T>) => Promise<void>;
    partitionsConsumedConcurrently?: number;
    fromBeginning?: boolean;
    commitEvery?: 'message' | 'batch' | 'interval';
    keyConcurrency?: number;
  }): Promise<ConsumerHandle> {
    return this.consumeBindings({
      ...options,
      bindings: options.topics.map((topic) => topicBinding(topic) as TopicBinding),
      handler: options.handler as unknown as (message: IncomingMessage<string>) => Promise<void>,
    });
  }

  /**
   * Untyped form of {@link consume} over {@link TopicBinding}s; creates the topics if needed.
   *
   * @example
   * await bus.consumeBindings({ groupId: 'test.g1', bindings: [binding], handler: async (msg) => seen.push(msg) });
   */
  async consumeBindings(options: ConsumeBindingsOptions): Promise<ConsumerHandle> {
    await this.ensureTopicSpecs(options.bindings.map((b) => ({ topic: b.topic, partitions: b.partitions })));
    const loop: ConsumerLoop = new ConsumerLoop(this.kafka, this.config, { ...options, groupId: this.groupName(options.groupId) }, (records) => this.sendRecords(records), () => this.consumers.delete(loop), (topic) => this.topicName(topic));
    this.consumers.add(loop);
    try {
      await loop.start();
    } catch (error) {
      await loop.stop().catch(() => undefined);
      throw error;
    }
    return loop;
  }

  private async send(topic: string, key: string, value: string, headers: Record<string, string>): Promise<void> {
    await inSpan(`${topic} publish`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic } }, async () => {
      await this.sendRecords([{ topic, key, value, headers: injectTraceContext({ ...headers }) }]);
    });
  }

  /**
   * Sends records, coalescing concurrent calls: while one produce request is in flight, later calls queue and go out
   * together in the next request, so under load there are far fewer requests than publishes (each costs the broker
   * and this client more than the records in it) and an idle bus sends at once. Queue order is request order, so
   * per-key order holds. When the broker refuses a shared request outright, each call's records are sent again on
   * their own, so one bad record (too large for the broker, say) fails only its own caller.
   */
  private sendRecords(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.sendQueue.push({ records, resolve, reject });
      if (!this.draining) void this.drainSendQueue();
    });
  }

  private async drainSendQueue(): Promise<void> {
    this.draining = true;
    try {
      while (this.sendQueue.length > 0) {
        const group: PendingSend[] = [];
        let count = 0;
        while (this.sendQueue.length > 0 && (group.length === 0 || count + this.sendQueue[0]!.records.length <= MAX_RECORDS_PER_REQUEST)) {
          const next = this.sendQueue.shift()!;
          group.push(next);
          count += next.records.length;
        }
        try {
          await this.produce(group.flatMap((g) => g.records));
          for (const g of group) g.resolve();
        } catch (error) {
          // A refusal kafkajs does not retry (a record too large, a topic not authorised) may be one caller's alone:
          // send each call's records on their own. Anything else (broker down, retries exhausted) fails them all now.
          if (group.length === 1 || (error as { retriable?: boolean }).retriable !== false) {
            for (const g of group) g.reject(error);
            continue;
          }
          await Promise.all(group.map((g) => this.produce(g.records).then(g.resolve, g.reject)));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async produce(records: readonly OutgoingRecord[]): Promise<void> {
    await this.connect();
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const topic = this.topicName(r.topic);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: r.key, value: r.value, headers: r.headers });
      byTopic.set(topic, messages);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}
