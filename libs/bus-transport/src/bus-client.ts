import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { KafkaBus, type EnvelopeMeta } from '@switchboard/bus';
import { envelopeFor, newMessageId, TOPIC_SPECS, TOPICS, type PayloadOf, type TicketEventInput, type TopicName } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';

/**
 * Envelope fields of a {@link BusRecord}: the case it belongs to and what caused it. The client fills type, version
 * and time from the contracts, and the id unless given — an idempotent producer derives it from what it handled
 * (an agent from the task envelope's id), so a redelivery publishes the same message twice, not two messages.
 */
export type BusRecordMeta = EnvelopeMeta & { id?: string };

/**
 * What {@link BusClient.emit} sends to an enveloped contract topic: the payload and the envelope fields around it, in
 * the manner of Nest's `RmqRecord`/`NatsRecord`. The payload is checked against the topic's schema when emitted; the
 * type parameter lets the compiler check it first (`new BusRecord<'agent.results'>(result, meta)`).
 *
 * @example
 * await lastValueFrom(client.emit('agent.results', new BusRecord(result, { caseId, tenantId, region, correlationId, causationId: task.id })));
 */
export class BusRecord<T extends TopicName = TopicName> {
  constructor(
    readonly payload: PayloadOf<T>,
    readonly meta: BusRecordMeta,
  ) {}
}

/** `status` of {@link BusClient}. */
export type BusClientStatus = 'connected' | 'disconnected';

/**
 * Nest client proxy over {@link KafkaBus}, the producing half of {@link BusTransport}: `emit(topic, record)` builds the
 * contract envelope and publishes it with `bus.publish`, so it is validated against the topic's schema before it
 * leaves (`BUS.PUBLISH_INVALID` otherwise, nothing sent), keyed by case id, sent under the topic prefix with the
 * active trace context, coalesced with concurrent publishes, and acknowledged by all in-sync replicas when the
 * returned Observable completes. `tickets.ingress` takes the bare ticket, its public format (`bus.publishTicket`).
 *
 * Nest's `emit` is hot: it publishes at once, subscribed or not. The Observable is the only place a failure shows,
 * so await it (`lastValueFrom`); an unobserved failure is lost. `send` (request-response) fails at once with
 * `BUS_CLIENT.NO_REQUESTS`: the bus carries events, and nothing on it would answer.
 *
 * The bus belongs to the module that provides it (and disconnects it); `close` only makes later emits fail with
 * `BUS_CLIENT.CLOSED` instead of quietly reconnecting a producer during shutdown.
 *
 * A provider like any other: list `BusClient` in a module that provides (or imports) the `KafkaBus`, inject it by its
 * class.
 *
 * @example
 * @Module({ providers: [{ provide: KafkaBus, useFactory: () => new KafkaBus(config, 'faq') }, BusClient] })
 * constructor(@Inject(BusClient) private readonly client: BusClient) {}
 * await lastValueFrom(this.client.emit('tickets.internal-notes', new BusRecord(note, meta)));
 */
@Injectable()
export class BusClient extends ClientProxy<Record<never, never>, BusClientStatus> implements OnApplicationShutdown {
  private closed = false;

  constructor(@Inject(KafkaBus) private readonly bus: KafkaBus) {
    super();
  }

  async connect(): Promise<void> {
    if (this.closed) throw new SwitchboardError('BUS_CLIENT.CLOSED', 'system', 'BusClient is closed: the app is shutting down');
    await this.bus.connect();
    this._status$.next('connected');
  }

  async close(): Promise<void> {
    this.closed = true;
    this._status$.next('disconnected');
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** The bus. */
  unwrap<T>(): T {
    return this.bus as T;
  }

  /** Fails at once, without connecting: see {@link BusClient}. */
  override send<TResult = never, TInput = unknown>(pattern: unknown, _data: TInput): Observable<TResult> {
    return throwError(() => noRequests(pattern));
  }

  /** Nest's hook for `send`, which never reaches it; answers the same error should a subclass call it. */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: noRequests(packet.pattern), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T = void>({ pattern, data }: ReadPacket): Promise<T> {
    if (typeof pattern !== 'string' || !Object.hasOwn(TOPIC_SPECS, pattern)) {
      throw new SwitchboardError('BUS_CLIENT.UNKNOWN_TOPIC', 'user', `emit(${String(pattern)}): not a contract topic (libs/contracts topics.ts)`);
    }
    const topic = pattern as TopicName;
    if (topic === TOPICS.ticketsIngress) {
      await this.bus.publishTicket(data as TicketEventInput);
    } else if (data instanceof BusRecord) {
      const { id = newMessageId(), ...meta } = data.meta;
      await this.bus.publish(topic, envelopeFor(topic, data.payload as PayloadOf<typeof topic>, { ...meta, id }));
    } else {
      throw new SwitchboardError('BUS_CLIENT.NOT_A_RECORD', 'user', `emit(${topic}, …): give a BusRecord(payload, { caseId, tenantId, region, correlationId, causationId }), the envelope needs them`);
    }
    return undefined as T;
  }
}

function noRequests(pattern: unknown): SwitchboardError {
  return new SwitchboardError('BUS_CLIENT.NO_REQUESTS', 'user', `send(${String(pattern)}): the bus carries events, not requests, and nothing would answer; use emit`);
}

