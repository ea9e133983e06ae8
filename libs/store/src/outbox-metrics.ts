import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * Registers the outbox's operator gauges on `registry`, read from Postgres at each scrape: rows waiting to be
 * published (`switchboard_outbox_unsent`), rows backing off after failing on their own (`…_retrying`), rows the relay
 * quarantined (`…_quarantined`, alert on > 0; `npm run outbox -- list` says why) and the age of the oldest unsent row.
 *
 * @example
 * outboxGauges(metrics.registry, pool);
 */
export function outboxGauges(registry: Registry, pool: Pool): void {
  let reading: Promise<{ unsent: number; retrying: number; quarantined: number; oldest: number }> | undefined;
  // One query per scrape for all four gauges: the first collect() starts it, the others share it.
  const read = () => (reading ??= pool.query<{ unsent: number; retrying: number; quarantined: number; oldest: number }>(
    `SELECT count(*) FILTER (WHERE quarantined_at IS NULL)::int AS unsent,
            count(*) FILTER (WHERE quarantined_at IS NULL AND attempts > 0)::int AS retrying,
            count(*) FILTER (WHERE quarantined_at IS NOT NULL)::int AS quarantined,
            coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE quarantined_at IS NULL)), 0)::float8 AS oldest
       FROM outbox WHERE sent_at IS NULL`,
  ).then((r) => r.rows[0]!).finally(() => setTimeout(() => (reading = undefined), 100)));
  const gauge = (name: string, help: string, pick: (v: Awaited<ReturnType<typeof read>>) => number) =>
    new Gauge({ name, help, registers: [registry], async collect() { this.set(pick(await read())); } });
  gauge('switchboard_outbox_unsent', 'Outbox rows not yet published (quarantined rows excluded)', (v) => v.unsent);
  gauge('switchboard_outbox_retrying', 'Outbox rows backing off after failing to publish on their own', (v) => v.retrying);
  gauge('switchboard_outbox_quarantined', 'Outbox rows the relay gave up on; they wait for an operator', (v) => v.quarantined);
  gauge('switchboard_outbox_oldest_unsent_seconds', 'Age of the oldest unsent, unquarantined outbox row', (v) => v.oldest);
}
