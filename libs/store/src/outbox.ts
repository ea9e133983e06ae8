import { Client, type Pool, type PoolClient } from 'pg';
import type { z } from 'zod';
import { EnvelopeSchema, TOPIC_SPECS, type TopicName } from '@switchboard/contracts';
import { describeError, injectTraceContext, JsonLogger, SwitchboardError } from '@switchboard/observability';

/**
 * Postgres channel the outbox trigger notifies on commit.
 *
 * @example
 * await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
 */
export const OUTBOX_CHANNEL = 'switchboard_outbox';

/** A message to publish once the caller's transaction commits. `value` is JSON-serialized. */
export interface OutboxMessage {
  topic: string;
  key: string;
  value: unknown;
  headers?: Record<string, string>;
}

/** A row as the relay hands it to its publish function; matches `KafkaBus.publishRaw`. */
export interface OutboxRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * An outbox message does not match its contract topic's schema; thrown inside the caller's transaction, which then
 * rolls back with the state change.
 *
 * @example
 * await expect(inTransaction(pool, (tx) => Outbox.add(tx, [bad]))).rejects.toBeInstanceOf(OutboxMessageInvalidError);
 */
export class OutboxMessageInvalidError extends SwitchboardError {
  constructor(topic: string, problems: string) {
    super('STORE.OUTBOX_MESSAGE_INVALID', 'user', `outbox message for ${topic} is invalid: ${problems}`);
  }
}

const schemas = new Map<string, z.ZodType>();
function contractSchema(topic: string): z.ZodType | undefined {
  if (!(topic in TOPIC_SPECS)) return undefined;
  let schema = schemas.get(topic);
  if (!schema) {
    const spec = TOPIC_SPECS[topic as TopicName];
    schema = spec.enveloped ? EnvelopeSchema(spec.schema) : spec.schema;
    schemas.set(topic, schema);
  }
  return schema;
}

/**
 * The transactional outbox: outgoing messages are rows written in the same transaction as the state change, so
 * "state saved" and "message will be sent" commit together. {@link OutboxRelay} publishes them.
 *
 * @example
 * await inTransaction(pool, async (tx) => {
 *   await tx.query('UPDATE cases SET state = $2 WHERE id = $1', [caseId, 'TRIAGED']);
 *   await Outbox.add(tx, [{ topic: 'agent.retrieval.tasks', key: caseId, value: bus.envelope('agent.retrieval.tasks', task, meta) }]);
 * });
 */
export class Outbox {
  /**
   * Inserts `messages` in the caller's transaction, in order. Contract topics are validated now (a bad message fails
   * the transaction instead of reaching a DLQ later). Headers get the active trace context and, for envelopes,
   * `message-id` and `type`; headers given explicitly win.
   */
  static async add(tx: PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const trace = injectTraceContext({});
    const topics: string[] = [];
    const keys: string[] = [];
    const values: string[] = [];
    const headers: string[] = [];
    for (const m of messages) {
      const schema = contractSchema(m.topic);
      if (schema) {
        const parsed = schema.safeParse(m.value);
        if (!parsed.success) {
          throw new OutboxMessageInvalidError(m.topic, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
        }
      }
      const envelope = m.value as { id?: unknown; type?: unknown } | null;
      const derived: Record<string, string> = {};
      if (envelope && typeof envelope === 'object' && typeof envelope.id === 'string') derived['message-id'] = envelope.id;
      if (envelope && typeof envelope === 'object' && typeof envelope.type === 'string') derived.type = envelope.type;
      topics.push(m.topic);
      keys.push(m.key);
      values.push(JSON.stringify(m.value));
      headers.push(JSON.stringify({ ...trace, ...derived, ...m.headers }));
    }
    await tx.query(
      `INSERT INTO outbox (topic, key, value, headers)
       SELECT t, k, v, h FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS m(t, k, v, h, n) ORDER BY n`,
      [topics, keys, values, headers],
    );
  }

  /** Instance form of {@link Outbox.add}, for injection. */
  add(tx: PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
    return Outbox.add(tx, messages);
  }
}

/** Tuning of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Rows per publish (one Kafka request). Default 100. */
  batchSize?: number;
  /** Fallback poll when no notification arrives (lost LISTEN connection, rows left by another relay). Default 1000. */
  pollIntervalMs?: number;
  /** First delay after a failed publish; doubles up to 30 s. Default 200. */
  retryDelayMs?: number;
}

/**
 * Publishes outbox rows: wakes on NOTIFY (and polls as a fallback), locks unsent rows with
 * `FOR UPDATE SKIP LOCKED` in id order, publishes them, and marks them sent in the same transaction once the publish
 * succeeded. A crash after publishing but before the commit publishes them again: at-least-once, made effectively
 * once by stable message ids and the consumers' {@link ProcessedLedger}. Several relays may run; a relay never
 * publishes a row while an earlier unsent row of the same key is held by another relay, so per-case order holds.
 *
 * @example
 * const relay = new OutboxRelay(pool, (records) => bus.publishRaw(records));
 * await relay.start();
 * // on shutdown
 * await relay.stop();
 */
export class OutboxRelay {
  private readonly logger = new JsonLogger(OutboxRelay.name);
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private listener?: Client;
  private running = false;
  private dirty = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly publish: (records: OutboxRecord[]) => Promise<void>,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** Starts listening and relaying in the background; resolves once LISTEN is active (or fell back to polling). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  /** Stops after the batch in flight; unsent rows stay for the next relay. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Publishes one batch of unsent rows and marks them sent; returns how many were published. Throws if publishing
   * failed (the rows stay unsent).
   *
   * @example
   * while ((await relay.drainOnce()) > 0);
   */
  async drainOnce(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Rows of a key whose earlier unsent row is held by another relay are skipped (and unlocked at commit), so
      // two relays never reorder one case's messages.
      const { rows } = await client.query<{ id: string; topic: string; key: string; value: string; headers: Record<string, string>; blocked: boolean }>(
        `WITH locked AS (
           SELECT id, topic, key, value, headers FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
         )
         SELECT l.id, l.topic, l.key, l.value, l.headers,
                EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL AND o.key = l.key AND o.id < l.id
                          AND o.id NOT IN (SELECT id FROM locked)) AS blocked
         FROM locked l ORDER BY l.id`,
        [this.batchSize],
      );
      const ready = rows.filter((r) => !r.blocked);
      if (ready.length > 0) {
        await this.publish(ready.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers })));
        await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [ready.map((r) => r.id)]);
      }
      await client.query('COMMIT');
      return ready.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Deletes rows sent more than `olderThanMs` ago.
   *
   * @example
   * await relay.pruneSent(24 * 3600_000);
   */
  async pruneSent(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM outbox WHERE sent_at < now() - ($1::double precision * interval '1 millisecond')`, [olderThanMs]);
    return rowCount ?? 0;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.dirty = false;
      let published: number;
      try {
        published = await this.drainOnce();
        failures = 0;
      } catch (error) {
        failures++;
        const delay = Math.min(30_000, this.retryDelayMs * 2 ** (failures - 1));
        this.logger.error('outbox publish failed; will retry', { error: describeError(error), attempt: failures, delayMs: delay });
        await this.sleep(delay, false);
        continue;
      }
      if (published >= this.batchSize || this.dirty) continue;
      if (!this.listener) await this.listen();
      await this.sleep(this.pollIntervalMs, true);
    }
  }

  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (!this.running || wakeOnNotify) done();
      };
    });
  }

  private async listen(): Promise<void> {
    const client = new Client(this.pool.options);
    client.on('notification', () => {
      this.dirty = true;
      this.wake?.();
    });
    client.on('error', (error) => {
      // Polling covers the gap; the loop reconnects.
      this.logger.warn('outbox LISTEN connection lost', { error: describeError(error) });
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.logger.warn('cannot LISTEN for outbox notifications; polling only', { error: describeError(error), pollIntervalMs: this.pollIntervalMs });
      await client.end().catch(() => undefined);
    }
  }
}
