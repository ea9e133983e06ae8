import { randomUUID } from 'node:crypto';
import { Client, type Pool, type PoolClient } from 'pg';
import type { z } from 'zod';
import { EnvelopeSchema, TOPIC_SPECS, type TopicName } from '@switchboard/contracts';
import { describeError, injectTraceContext, isDependencyUnavailable, JsonLogger, SwitchboardError } from '@switchboard/observability';

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

/** Rows reserved for direct publishing by {@link OutboxLeasePublisher} `owner`, for `ms`. */
export interface OutboxLease {
  owner: string;
  ms: number;
}

/** A row as the relay hands it to its publish function; matches `KafkaBus.publishRaw`. */
export interface OutboxRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Validated, serialised outbox rows in order with the lease to insert them under: one JSON value that a
 * single-statement writer passes to `outbox_append_batch` (store migration 006); see {@link Outbox.batch}.
 */
export interface OutboxBatch {
  rows: OutboxRecord[];
  lease: OutboxLease | null;
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
   * `message-id` and `type`; headers given explicitly win. With `lease` the rows are left to that
   * {@link OutboxLeasePublisher} (published by it after the commit) until the lease expires. Returns the row ids.
   */
  static async add(tx: PoolClient, messages: readonly OutboxMessage[], lease?: OutboxLease): Promise<string[]> {
    if (messages.length === 0) return [];
    // outbox_append_batch (store migration 006, over 005's outbox_append): the one definition of the insert and its
    // lease, shared with single-statement writers such as the supervisor's apply_transition.
    const { rows: [out] } = await tx.query<{ r: { ids: number[] } }>('SELECT outbox_append_batch($1::jsonb) AS r', [JSON.stringify(Outbox.batch(messages, lease))]);
    return out!.r.ids.map(String);
  }

  /**
   * Validates and serialises `messages` into the batch an outbox insert takes (for callers that insert them in their
   * own statement, e.g. a stored procedure calling `outbox_append_batch`); same rules as {@link Outbox.add}. The rows
   * are also what a direct publisher sends after the commit.
   */
  static batch(messages: readonly OutboxMessage[], lease?: OutboxLease): OutboxBatch {
    const trace = injectTraceContext({});
    const rows: OutboxRecord[] = [];
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
      rows.push({ topic: m.topic, key: m.key, value: JSON.stringify(m.value), headers: { ...trace, ...derived, ...m.headers } });
    }
    return { rows, lease: lease ? { owner: lease.owner, ms: lease.ms } : null };
  }

  /** Instance form of {@link Outbox.add}, for injection. */
  add(tx: PoolClient, messages: readonly OutboxMessage[], lease?: OutboxLease): Promise<string[]> {
    return Outbox.add(tx, messages, lease);
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
  /** First delay before a row that failed on its own is tried again; doubles up to 60 s. Default 1000. */
  rowRetryDelayMs?: number;
  /** Failed attempts after which a row is quarantined (left for an operator). Default 5. */
  quarantineAfter?: number;
  /**
   * Says a publish failure is an outage of the broker rather than a problem of the rows: then nothing is counted
   * against any row and the whole relay backs off. Default: `isDependencyUnavailable`.
   */
  isOutage?: (error: unknown) => boolean;
}

/** A row the relay gave up on, with why (see {@link OutboxRelay.quarantined}). */
export interface QuarantinedRow {
  id: string;
  topic: string;
  key: string;
  attempts: number;
  lastError: string;
  createdAt: Date;
  quarantinedAt: Date;
}

/** True when the publisher says retrying cannot help (kafkajs: `retriable: false`, e.g. a record over the size limit). */
function refusedForGood(error: unknown): boolean {
  for (let e = error as { retriable?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.retriable === false) return true;
  }
  return false;
}

/** Individual tries of a failed batch that may all fail before the failure counts as an outage, not as the rows'. */
const PROBES_BEFORE_OUTAGE = 3;

interface RelayRow {
  id: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  attempts: number;
}

/**
 * Publishes outbox rows: wakes on NOTIFY (and polls as a fallback), locks unsent rows with
 * `FOR UPDATE SKIP LOCKED` in id order, publishes them, and marks them sent in the same transaction once the publish
 * succeeded. A crash after publishing but before the commit publishes them again: at-least-once, made effectively
 * once by stable message ids and the consumers' {@link ProcessedLedger}. Several relays may run; a relay never
 * publishes a row while an earlier unsent row of the same key is held by another relay, so per-case order holds.
 *
 * No head-of-line blocking: when a batch is refused, its rows are tried one by one; the ones that fail on their own
 * back off (`attempts`, `next_attempt_at`, holding only later rows of their key) and after `quarantineAfter` attempts
 * are quarantined with their reason — logged, counted by {@link outboxGauges}, listed by {@link OutboxRelay.quarantined}
 * — while every other row flows. A broker outage (every row fails alike) counts against no row.
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
  private readonly rowRetryDelayMs: number;
  private readonly quarantineAfter: number;
  private readonly isOutage: (error: unknown) => boolean;
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
    this.rowRetryDelayMs = options.rowRetryDelayMs ?? 1_000;
    this.quarantineAfter = options.quarantineAfter ?? 5;
    this.isOutage = options.isOutage ?? isDependencyUnavailable;
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
   * Publishes one batch of due rows and marks them sent; returns how many were published. Rows that failed on their
   * own are recorded (backoff, quarantine) and do not make it throw; it throws when nothing could be published because
   * the broker is unavailable (the rows stay unsent, no attempt counted).
   *
   * @example
   * while ((await relay.drainOnce()) > 0);
   */
  async drainOnce(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Rows of a key whose earlier unsent row is held by another relay, leased by its writer (see
      // OutboxLeasePublisher) or backing off after a failure are skipped and unlocked at commit, so one case's messages
      // are never reordered. Quarantined rows hold nothing up: they are out of the flow until an operator requeues them.
      const { rows } = await client.query<RelayRow & { blocked: boolean }>(
        `WITH locked AS (
           SELECT id, topic, key, value, headers, attempts FROM outbox
            WHERE sent_at IS NULL AND quarantined_at IS NULL AND (lease_until IS NULL OR lease_until < now())
              AND (next_attempt_at IS NULL OR next_attempt_at <= now())
            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
         )
         SELECT l.id, l.topic, l.key, l.value, l.headers, l.attempts,
                EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL AND o.quarantined_at IS NULL AND o.key = l.key AND o.id < l.id
                          AND o.id NOT IN (SELECT id FROM locked)) AS blocked
         FROM locked l ORDER BY l.id`,
        [this.batchSize],
      );
      const ready = rows.filter((r) => !r.blocked);
      const { sent, failed } = ready.length > 0 ? await this.publishRows(ready) : { sent: [], failed: [] };
      if (sent.length > 0) await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [sent.map((r) => r.id)]);
      if (failed.length > 0) await this.recordFailures(client, failed);
      await client.query('COMMIT');
      return sent.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Rows the relay quarantined, oldest first, with the reason: what an operator looks at (also `npm run outbox -- list`).
   *
   * @example
   * for (const row of await OutboxRelay.quarantined(pool)) console.log(row.id, row.topic, row.lastError);
   */
  static async quarantined(pool: Pool, limit = 100): Promise<QuarantinedRow[]> {
    const { rows } = await pool.query<{ id: string; topic: string; key: string; attempts: number; last_error: string | null; created_at: Date; quarantined_at: Date }>(
      `SELECT id::text, topic, key, attempts, last_error, created_at, quarantined_at FROM outbox
        WHERE quarantined_at IS NOT NULL AND sent_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, topic: r.topic, key: r.key, attempts: r.attempts, lastError: r.last_error ?? '', createdAt: r.created_at, quarantinedAt: r.quarantined_at }));
  }

  /**
   * Puts quarantined rows back in the flow (after the cause was fixed): attempts reset, published by the next drain.
   * They may now arrive after later messages of their case. Returns how many were requeued.
   *
   * @example
   * await OutboxRelay.requeue(pool, ['4711']);
   */
  static async requeue(pool: Pool, ids: readonly string[]): Promise<number> {
    const { rowCount } = await pool.query(
      `UPDATE outbox SET quarantined_at = NULL, attempts = 0, next_attempt_at = NULL
        WHERE id = ANY($1::bigint[]) AND quarantined_at IS NOT NULL AND sent_at IS NULL`,
      [ids],
    );
    if (rowCount) await pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
    return rowCount ?? 0;
  }

  /**
   * Publishes `rows` in one request; if that is refused, one by one (later rows of a key whose row failed wait), to
   * find the rows at fault. A row is at fault when the broker refused it for good (a non-retriable error, e.g. too
   * large) or when other rows went through while it failed. Throws when it looks like an outage: the error says so,
   * or nothing went through and no row was refused for good.
   */
  private async publishRows(rows: RelayRow[]): Promise<{ sent: RelayRow[]; failed: Array<{ row: RelayRow; error: unknown }> }> {
    const record = (r: RelayRow): OutboxRecord => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers });
    try {
      await this.publish(rows.map(record));
      return { sent: rows, failed: [] };
    } catch (error) {
      if (this.isOutage(error)) throw error;
      const sent: RelayRow[] = [];
      const failed: Array<{ row: RelayRow; error: unknown; refused: boolean }> = [];
      const failedKeys = new Set<string>();
      for (const row of rows) {
        if (failedKeys.has(row.key)) continue;
        try {
          await this.publish([record(row)]);
          sent.push(row);
        } catch (rowError) {
          if (this.isOutage(rowError)) throw rowError;
          failed.push({ row, error: rowError, refused: refusedForGood(rowError) });
          failedKeys.add(row.key);
          if (sent.length === 0 && failed.length >= PROBES_BEFORE_OUTAGE && !failed.some((f) => f.refused)) break;
        }
      }
      if (sent.length > 0) return { sent, failed };
      const refused = failed.filter((f) => f.refused);
      // Nothing went through and nothing was refused for good: as likely the broker as the rows, so nothing is held
      // against them.
      if (refused.length === 0) throw error;
      return { sent, failed: refused };
    }
  }

  private async recordFailures(client: PoolClient, failed: Array<{ row: RelayRow; error: unknown }>): Promise<void> {
    const ids = failed.map((f) => f.row.id);
    const errors = failed.map((f) => describeError(f.error).message.slice(0, 1000));
    const { rows } = await client.query<{ id: string; topic: string; key: string; attempts: number; last_error: string; quarantined: boolean }>(
      `UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error,
              next_attempt_at = now() + least(60000, $3::double precision * 2 ^ o.attempts) * interval '1 millisecond',
              quarantined_at = CASE WHEN o.attempts + 1 >= $4 THEN now() END
         FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
        WHERE o.id = f.id
       RETURNING o.id::text, o.topic, o.key, o.attempts, o.last_error, o.quarantined_at IS NOT NULL AS quarantined`,
      [ids, errors, this.rowRetryDelayMs, this.quarantineAfter],
    );
    for (const r of rows) {
      const fields = { outboxId: r.id, topic: r.topic, key: r.key, attempts: r.attempts, reason: r.last_error };
      if (r.quarantined) this.logger.error('outbox row quarantined: it could not be published and is left for an operator (npm run outbox -- list)', fields);
      else this.logger.warn('outbox row could not be published; it backs off while the other rows flow', fields);
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

/** Tuning of {@link OutboxLeasePublisher}. */
export interface OutboxLeasePublisherOptions {
  /** How long the relay leaves a leased row to its writer; after that the relay publishes it. Default 5000. */
  leaseMs?: number;
  /**
   * Sent rows are marked in batches, at most this long after their publish. Default 200: one UPDATE (one commit) for
   * every row published in that window instead of one per transition; a crash inside the window only means the relay
   * publishes those rows again after their lease (same ids, recognised by the consumers' ledgers). Must stay well below
   * `leaseMs`.
   */
  markDelayMs?: number;
}

/**
 * Direct publishing from the outbox, the fast path next to {@link OutboxRelay}: the writer inserts its rows with a lease
 * (`lease_until`, `lease_owner` = {@link OutboxLeasePublisher.owner}) in its own transaction and, after the commit,
 * publishes them itself — no NOTIFY, no relay round trips on the way to Kafka. Rows are then marked sent in batches,
 * off the caller's path. If the publish fails the lease is released so a relay takes the rows at once; if the process
 * dies first, the relay takes them when the lease expires. Delivery stays at-least-once with stable message ids, as
 * with the relay.
 *
 * @example
 * const publisher = new OutboxLeasePublisher(pool, (records) => bus.publishRaw(records));
 * // after committing rows inserted with lease_owner = publisher.owner:
 * await publisher.publish(ids, records);
 */
export class OutboxLeasePublisher {
  readonly owner = randomUUID();
  readonly leaseMs: number;
  /** The lease to insert rows with: `Outbox.add(tx, messages, publisher.lease)`. */
  get lease(): OutboxLease {
    return { owner: this.owner, ms: this.leaseMs };
  }
  private readonly logger = new JsonLogger(OutboxLeasePublisher.name);
  private readonly markDelayMs: number;
  private pending: string[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly send: (records: OutboxRecord[]) => Promise<void>,
    options: OutboxLeasePublisherOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 5_000;
    this.markDelayMs = options.markDelayMs ?? 200;
  }

  /** Publishes committed, leased rows `ids` (same order as `records`); true when Kafka acknowledged them. */
  async publish(ids: readonly string[], records: OutboxRecord[]): Promise<boolean> {
    if (ids.length === 0) return true;
    try {
      await this.send(records);
    } catch (error) {
      this.logger.warn('direct publish failed; releasing the rows to the relay', { error: describeError(error), rows: ids.length });
      await this.pool
        .query(`WITH r AS (UPDATE outbox SET lease_until = NULL, lease_owner = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL)
                SELECT pg_notify('${OUTBOX_CHANNEL}', '')`, [ids])
        .catch((e: unknown) => this.logger.warn('could not release leased outbox rows; the relay takes them when the lease expires', { error: describeError(e) }));
      return false;
    }
    this.pending.push(...ids);
    this.timer ??= setTimeout(() => void this.flush(), this.markDelayMs);
    return true;
  }

  /** Marks every published row sent now (also called on shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.pending;
    this.pending = [];
    if (ids.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      this.pool.query('UPDATE outbox SET sent_at = now(), lease_until = NULL WHERE id = ANY($1::bigint[])', [ids]).then(
        () => undefined,
        // Unmarked rows are published again by a relay after their lease: a duplicate with the same id, never a loss.
        (error: unknown) => this.logger.warn('could not mark published outbox rows sent', { error: describeError(error), rows: ids.length }),
      ),
    );
    return this.flushing;
  }
}
