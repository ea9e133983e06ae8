import type { INestApplication } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { ConsumerHandle, IncomingMessage, KafkaBus } from '@switchboard/bus';
import { TOPIC_SPECS, type TopicName } from '@switchboard/contracts';
import { JsonLogger, SwitchboardError } from '@switchboard/observability';
import { BusContext } from './bus-context';
import { markDelivered } from './delivered';

/** `transportId` of {@link BusTransport}: `@EventPattern(topic, BUS_TRANSPORT_ID)` binds a handler to it alone. */
export const BUS_TRANSPORT_ID = Symbol('switchboard-bus');

/**
 * How one consumer group member reads its topics (the options of `bus.consume`). Given to the {@link BusTransport}
 * constructor they are the default of every handler; given as `@EventPattern` extras they override it for that
 * handler. Handlers with the same `groupId` share one member, so their options must agree.
 *
 * @example
 * @EventPattern('tickets.ingress', { groupId: 'switchboard.ingest-audit', commitEvery: 'message' } satisfies Partial<BusConsumerOptions>)
 */
export interface BusConsumerOptions {
  groupId: string;
  partitionsConsumedConcurrently?: number;
  commitEvery?: 'message' | 'batch' | 'interval';
  /** Messages of different keys of one fetched batch handled at once (ConsumeBindingsOptions.keyConcurrency). */
  keyConcurrency?: number;
  fromBeginning?: boolean;
}

/** `status` of {@link BusTransport}: `connected` once every consumer group member is assigned and fetching. */
export type BusTransportStatus = 'connecting' | 'connected' | 'disconnected';

const OPTION_KEYS = ['groupId', 'partitionsConsumedConcurrently', 'commitEvery', 'keyConcurrency', 'fromBeginning'] as const;

interface Group {
  options: BusConsumerOptions;
  topics: TopicName[];
}

/**
 * Nest custom transport strategy over {@link KafkaBus}: each `@EventPattern(<contract topic>)` handler of the app's
 * controllers is served by `bus.consume`, one consumer group member per `groupId` with all its topics. The bus keeps
 * every guarantee (validation and dead-lettering with a reason, retry topics, commit after the handler returned,
 * outage pauses, rebalance safety, trace and log context, topic prefix); the transport only routes each validated
 * message to its topic's handler, awaits it, and lets its error reach the bus unchanged (see {@link BusController}).
 * Not Nest's stock Kafka transport, which is tied to kafkajs `eachMessage` and commits on its own terms (docs/bus.md).
 *
 * `listen` resolves once every member is assigned and fetching, so a message published after
 * `app.startAllMicroservices()` returns is never skipped; `healthy()` is what readiness checks report.
 *
 * @example
 * const transport = new BusTransport(bus, { groupId: 'switchboard.supervisor', commitEvery: 'interval' });
 * app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
 * await app.init();
 * await app.startAllMicroservices();
 */
export class BusTransport extends Server<Record<string, never>, BusTransportStatus> implements CustomTransportStrategy {
  override readonly transportId = BUS_TRANSPORT_ID;
  private readonly log = new JsonLogger(BusTransport.name);
  private readonly consumers: ConsumerHandle[] = [];
  private listening = false;

  constructor(
    private readonly bus: KafkaBus,
    private readonly defaults: Partial<BusConsumerOptions> = {},
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      await this.close().catch(() => undefined);
      callback(error);
      return;
    }
    callback();
  }

  /** Stops every member: each finishes and commits its message in flight, then leaves its group. */
  async close(): Promise<void> {
    this.listening = false;
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
    this._status$.next('disconnected');
  }

  /** Listening, and every member joined and fetching (not crashed, not rejoining): what readiness checks report. */
  healthy(): boolean {
    return this.listening && this.consumers.every((c) => c.healthy());
  }

  /** The bus: the transport has no client of its own. */
  unwrap<T>(): T {
    return this.bus as T;
  }

  on(): never {
    throw new SwitchboardError('BUS_TRANSPORT.NO_EVENTS', 'user', 'BusTransport emits no events: the bus reports through logs and metrics, readiness through healthy() and status');
  }

  private async start(): Promise<void> {
    const groups = this.groups();
    this._status$.next('connecting');
    await Promise.all([...groups.values()].map(async ({ options, topics }) => {
      const consumer = await this.bus.consume({ ...options, topics, handler: (message) => this.dispatch(message) });
      this.consumers.push(consumer);
      await consumer.ready;
    }));
    this.listening = true;
    this._status$.next('connected');
    for (const { options, topics } of groups.values()) this.log.info('consuming', { groupId: options.groupId, topics });
  }

  /** The handlers grouped by consumer group, checked: event handlers on contract topics, one set of options per group. */
  private groups(): Map<string, Group> {
    const groups = new Map<string, Group>();
    for (const [pattern, head] of this.messageHandlers) {
      if (!Object.hasOwn(TOPIC_SPECS, pattern)) {
        throw new SwitchboardError('BUS_TRANSPORT.UNKNOWN_TOPIC', 'user', `@EventPattern(${pattern}): not a contract topic (libs/contracts topics.ts)`);
      }
      for (let handler: MessageHandler | undefined = head; handler; handler = handler.next) {
        if (!handler.isEventHandler) {
          throw new SwitchboardError('BUS_TRANSPORT.NOT_AN_EVENT', 'user', `@MessagePattern(${pattern}): the bus carries events, not requests; use @EventPattern`);
        }
        const options = this.optionsOf(pattern, handler.extras ?? {});
        const group = groups.get(options.groupId);
        if (!group) groups.set(options.groupId, { options, topics: [pattern as TopicName] });
        else if (OPTION_KEYS.some((key) => group.options[key] !== options[key])) {
          throw new SwitchboardError('BUS_TRANSPORT.GROUP_CONFLICT', 'user', `@EventPattern(${pattern}): options ${JSON.stringify(options)} differ from ${JSON.stringify(group.options)} of other handlers in group ${options.groupId}`);
        } else if (!group.topics.includes(pattern as TopicName)) group.topics.push(pattern as TopicName);
      }
    }
    return groups;
  }

  private optionsOf(pattern: string, extras: Record<string, unknown>): BusConsumerOptions {
    const options: Partial<BusConsumerOptions> = { ...this.defaults };
    for (const key of OPTION_KEYS) if (extras[key] !== undefined) Object.assign(options, { [key]: extras[key] });
    if (!options.groupId) throw new SwitchboardError('BUS_TRANSPORT.NO_GROUP', 'user', `@EventPattern(${pattern}): no groupId in its extras nor in the transport's options`);
    return options as BusConsumerOptions;
  }

  private async dispatch(message: IncomingMessage<string>): Promise<void> {
    // Only topics with a handler are consumed, so there is one. Looked up by the topic itself: groups() checked every
    // handler's pattern is a topic name, the map's key as Nest stores it, and Nest's getHandlerByPattern first tries
    // JSON.parse on it, a thrown exception per message (about 1 % of the supervisor's CPU).
    const handler = this.messageHandlers.get(message.topic)!;
    markDelivered(message);
    try {
      const result = await handler(message, new BusContext([message]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (error) {
      if (error instanceof Error) throw error;
      // Nest's default filter's `{ status, message }`: the controller lacks @BusController(), the cause is lost.
      throw new SwitchboardError('BUS_TRANSPORT.HANDLER_FAILED', 'system', `handler of ${message.topic} failed: ${JSON.stringify(error)} (declare its controller with @BusController() to keep the error)`);
    }
  }
}

/**
 * Starts the app's {@link BusTransport} (a provider of its module) the way every service starts: lifecycle hooks first
 * (migrations, topics), then the consumers, resolving once they are ready; `app.listen` only binds HTTP afterwards.
 * Nest closes the transport before `onApplicationShutdown` hooks run, so consumers stop before the bus disconnects.
 *
 * @example
 * const app = await NestFactory.create(SupervisorModule.forRoot(options));
 * await startBusTransport(app);
 * await app.listen(port);
 */
export async function startBusTransport(app: INestApplication): Promise<void> {
  app.connectMicroservice({ strategy: app.get(BusTransport) }, { inheritAppConfig: true });
  await app.init();
  await app.startAllMicroservices();
}
