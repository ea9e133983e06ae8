import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CaseStatus, Envelope, IntakeFindings, TicketEvent } from '@switchboard/contracts';
import { describeError, JsonLogger, withLogContext } from '@switchboard/observability';
import { inTransaction } from '@switchboard/store';

/**
 * A budget of cases in the agents' hands shared equally among the tenants in demand — those with a ticket decided or
 * waiting in the last `windowMs` — instead of (or under) a fixed cap per tenant. Work-conserving where a fixed cap is
 * not: a tenant alone may use the whole budget, and as others send tickets its share shrinks to budget ÷ tenants (at
 * least 1), so its further tickets wait until its cases in flight fall below the new share (cases already started are
 * never pre-empted). The tenants in demand are counted in Postgres — distinct tenants with a case created in the window
 * or a ticket queued — so every replica sees the same count (refreshed at most every {@link DEMAND_REFRESH_MS}, and at
 * once when a tenant it has not seen in the window sends a ticket); the cap itself is exact (counted in Postgres under
 * the tenant's lock).
 */
export interface AdmissionShare {
  budget: number;
  windowMs: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

/** How stale a replica's count of tenants in demand may get (capped at a tenth of the window). */
export const DEMAND_REFRESH_MS = 1_000;

/** A tenant's cases in the agents' hands: what its cap counts. Waiting on a human (approval, escalation) does not. */
export const ACTIVE_STATUSES: readonly CaseStatus[] = ['RECEIVED', 'TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'VERIFYING'];

/** `now`: create the case; `queued`: it waits for a slot; `has_case`: its case exists already (a duplicate ticket). */
export type AdmissionVerdict = 'now' | 'queued' | 'has_case';

/** A queued ticket: its envelope, and what admission changed on it (recorded as intake verdicts once its case opens). */
export type QueuedTicket = Envelope<TicketEvent> & { intake?: IntakeFindings };

export interface TenantBacklog {
  tenantId: string;
  queued: number;
  active: number;
  oldestEnqueuedAt: string;
}

/**
 * Per-tenant admission: a tenant has at most `maxActive` cases in the agents' hands at once (statuses in
 * {@link ACTIVE_STATUSES}); its further tickets wait, durably and in arrival order, in `supervisor.admission_queue`
 * and are admitted as its own cases settle. Without it every ticket goes straight to triage, and a storm from one
 * tenant fills the agents' Kafka partitions ahead of everyone else's tickets; with it, another tenant's ticket waits
 * behind at most the other tenants' caps, whatever one of them offers.
 *
 * The cap is exact across partitions and replicas: the decision for a new ticket and the creation of its case happen in
 * one transaction holding the tenant's advisory lock, and so do the release of queued tickets and their cases'
 * creation. Tickets of one tenant wait in arrival order at the supervisor (Kafka itself orders only within a
 * partition). `maxActive` 0 without a shared budget ({@link AdmissionShare}) turns admission off and every ticket takes
 * the single-statement hot path.
 *
 * Crash safety: a queued ticket is one committed row, written with the message's ledger row before the Kafka offset is
 * committed; admitting it creates the case through the ledger-protected path (message id `admit:<id>`) before the row
 * is deleted in the transaction that locked it, so a crash in between admits it again as a no-op and deletes the row.
 */
export class TenantAdmission {
  private readonly logger = new JsonLogger(TenantAdmission.name);
  private readonly queuedTotal?: Counter<'tenant'>;
  private readonly admittedTotal?: Counter<'tenant'>;
  private readonly waitSeconds?: Histogram;
  /** Shared budget (see {@link AdmissionShare}); undefined: every tenant has the fixed `maxActive`. */
  private readonly share?: Required<AdmissionShare>;
  /** Tenant → when this replica last decided a new ticket of it or found it waiting (ms), oldest first. */
  private readonly demand = new Map<string, number>();
  /** Tenants in demand across replicas, as Postgres counted them at `countedAt` (see {@link refreshDemand}). */
  private counted = 0;
  private countedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly pool: Pool, readonly maxActive: number, registry?: Registry, share?: AdmissionShare) {
    if (share && share.budget > 0) this.share = { now: () => Date.now(), ...share };
    if (!registry) return;
    this.queuedTotal = new Counter({ name: 'switchboard_admission_queued_total', help: 'Tickets that waited for their tenant to have a free slot (per-tenant admission)', labelNames: ['tenant'], registers: [registry] });
    this.admittedTotal = new Counter({ name: 'switchboard_admission_admitted_total', help: 'Queued tickets admitted once their tenant had a free slot', labelNames: ['tenant'], registers: [registry] });
    this.waitSeconds = new Histogram({
      name: 'switchboard_admission_wait_seconds', help: 'Time a queued ticket waited for admission', buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry],
    });
    let reading: Promise<{ queued: number; oldest: number }> | undefined;
    const read = () => (reading ??= pool.query<{ queued: number; oldest: number }>(
      `SELECT count(*)::int AS queued, coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8 AS oldest FROM supervisor.admission_queue`,
    ).then((r) => r.rows[0]!).finally(() => setTimeout(() => (reading = undefined), 100)));
    new Gauge({ name: 'switchboard_admission_backlog', help: 'Tickets waiting for admission, all tenants', registers: [registry], async collect() { this.set((await read()).queued); } });
    new Gauge({ name: 'switchboard_admission_oldest_seconds', help: 'Age of the oldest ticket waiting for admission', registers: [registry], async collect() { this.set((await read()).oldest); } });
    if (!this.share) return;
    const inDemand = () => this.tenantsInDemand();
    const shareNow = () => this.currentShare();
    new Gauge({
      name: 'switchboard_admission_tenants_in_demand', help: 'Tenants with a ticket in the demand window (SUPERVISOR_DEMAND_WINDOW_SECONDS), among whom SUPERVISOR_ACTIVE_BUDGET is shared',
      registers: [registry], collect() { this.set(inDemand()); },
    });
    new Gauge({ name: 'switchboard_admission_share', help: 'Cases one tenant may have in the agents\' hands now (its share of SUPERVISOR_ACTIVE_BUDGET)', registers: [registry], collect() { this.set(shareNow()); } });
  }

  get enabled(): boolean {
    return this.maxActive > 0 || this.share !== undefined;
  }

  /** The shared budget and its window when one is set (the admission API shows them). */
  get budget(): { budget: number; windowMs: number } | undefined {
    return this.share ? { budget: this.share.budget, windowMs: this.share.windowMs } : undefined;
  }

  /**
   * How many cases a tenant may have in the agents' hands now: `maxActive`, or with a shared budget an equal share of
   * it among the tenants in demand (at least 1; never above `maxActive` when that is set too).
   */
  currentShare(): number {
    const most = this.largestShare();
    if (!this.share) return most;
    return Math.min(most, Math.max(1, Math.floor(this.share.budget / Math.max(1, this.tenantsInDemand()))));
  }

  /** The share of a tenant alone: the most any tenant may hold, so counting its active cases can stop there. */
  private largestShare(): number {
    const hard = this.maxActive > 0 ? this.maxActive : Number.POSITIVE_INFINITY;
    return this.share ? Math.min(hard, Math.max(1, this.share.budget)) : hard;
  }

  /**
   * Tenants with a ticket decided or waiting within the window: the count Postgres gave at the last refresh (every
   * replica's tickets), or the tenants this replica noted since, whichever is larger.
   */
  tenantsInDemand(): number {
    if (!this.share) return 0;
    const cutoff = this.share.now() - this.share.windowMs;
    // Oldest first (see noteDemand): stop at the first tenant still in the window.
    for (const [tenant, at] of this.demand) {
      if (at >= cutoff) break;
      this.demand.delete(tenant);
    }
    const fresh = this.share.now() - this.countedAt <= this.share.windowMs;
    return Math.max(this.demand.size, fresh ? this.counted : 0);
  }

  /**
   * Counts the tenants in demand across replicas: distinct tenants with a case created in the window or a ticket
   * waiting for admission, plus `alsoTenant` (a ticket being decided in `db`'s transaction, whose case does not exist
   * yet). Skipped when the count is younger than {@link DEMAND_REFRESH_MS} unless `force`.
   */
  async refreshDemand(db: Pick<Pool, 'query'>, alsoTenant?: string, force = false): Promise<void> {
    if (!this.share) return;
    const now = this.share.now();
    if (!force && now - this.countedAt < Math.min(DEMAND_REFRESH_MS, this.share.windowMs / 10)) return;
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT tenant_id FROM supervisor.cases WHERE created_at > now() - make_interval(secs => $1::float8)
         UNION SELECT tenant_id FROM supervisor.admission_queue
         UNION SELECT t FROM unnest($2::text[]) AS t) d`,
      [this.share.windowMs / 1000, alsoTenant ? [alsoTenant] : []],
    );
    this.counted = rows[0]?.n ?? 0;
    this.countedAt = now;
  }

  /** Counts the tenant in demand from now (admission does this for every ticket it decides or finds waiting). */
  noteDemand(tenantId: string): void {
    if (!this.share) return;
    // Re-inserted so the map stays in last-seen order, oldest first: expiry then stops at the first live entry.
    this.demand.delete(tenantId);
    this.demand.set(tenantId, this.share.now());
  }

  /**
   * A new ticket's admission, inside the caller's transaction (which then creates the case when the verdict is `now`,
   * still holding the tenant's lock): `queued` when the tenant has its maximum of active cases or earlier tickets
   * waiting — the ticket is then queued (once per case: a duplicate of a queued ticket is absorbed).
   */
  async admitIn(tx: PoolClient, envelope: QueuedTicket): Promise<AdmissionVerdict> {
    const tenantId = envelope.payload.tenantId;
    await lockTenant(tx, tenantId);
    const { rows } = await tx.query<{ has_case: boolean; backlog: boolean; active: number }>(
      `SELECT EXISTS (SELECT 1 FROM supervisor.cases WHERE case_id = $1) AS has_case,
              EXISTS (SELECT 1 FROM supervisor.admission_queue WHERE tenant_id = $2) AS backlog,
              (SELECT count(*) FROM (SELECT 1 FROM supervisor.cases WHERE tenant_id = $2 AND status = ANY($3::text[]) LIMIT $4) a)::int AS active`,
      [envelope.caseId, tenantId, ACTIVE_STATUSES, this.largestShare()],
    );
    const r = rows[0]!;
    // A redelivery of a ticket already decided is not demand: only a new ticket counts its tenant in.
    if (r.has_case) return 'has_case';
    if (this.share) {
      // A tenant new to this replica's window may be new to every replica: count again now rather than at the next refresh.
      const seen = this.demand.has(tenantId);
      this.noteDemand(tenantId);
      await this.refreshDemand(tx, tenantId, !seen);
    }
    const cap = this.currentShare();
    if (!r.backlog && r.active < cap) return 'now';
    const inserted = await tx.query(
      `INSERT INTO supervisor.admission_queue (case_id, tenant_id, envelope) VALUES ($1, $2, $3::jsonb) ON CONFLICT (case_id) DO NOTHING`,
      [envelope.caseId, tenantId, JSON.stringify(envelope)],
    );
    if (inserted.rowCount === 1) {
      this.queuedTotal?.inc({ tenant: tenantId });
      this.logger.info('ticket queued: its tenant has its maximum of cases in flight', { tenantId, active: r.active, maxActive: cap, backlog: r.backlog });
    } else {
      this.logger.info('duplicate of a ticket waiting for admission: absorbed', { tenantId });
    }
    return 'queued';
  }

  /**
   * Admits queued tickets while their tenants have free slots, oldest tenant backlog first and at most each tenant's
   * free slots per round, so one tenant's backlog never holds up another's. `create` is the ordinary ticket path
   * (idempotent by message id). Returns how many were admitted. Several replicas may run this at once: a ticket's row
   * is locked (`SKIP LOCKED`) while its case is created.
   */
  async release(create: (envelope: QueuedTicket) => Promise<unknown>, maxPerRound = 500): Promise<number> {
    if (!this.enabled) return 0;
    const { rows: tenants } = await this.pool.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM supervisor.admission_queue GROUP BY tenant_id ORDER BY min(seq)',
    );
    // A tenant with a backlog is in demand however long its tickets wait.
    for (const { tenant_id: tenantId } of tenants) this.noteDemand(tenantId);
    await this.refreshDemand(this.pool);
    const cap = this.currentShare();
    let admitted = 0;
    for (const { tenant_id: tenantId } of tenants) {
      if (admitted >= maxPerRound) break;
      admitted += await inTransaction(this.pool, async (tx) => {
        // Under the tenant's lock, as at admission: no new ticket of this tenant is decided while its slots are filled.
        await lockTenant(tx, tenantId);
        const { rows } = await tx.query<{ seq: string; envelope: QueuedTicket; waited: number }>(
          `SELECT seq::text, envelope, extract(epoch FROM now() - enqueued_at)::float8 AS waited FROM supervisor.admission_queue
            WHERE tenant_id = $1 ORDER BY seq
            LIMIT greatest(0, least($4::int, $2::int - (SELECT count(*) FROM (SELECT 1 FROM supervisor.cases c WHERE c.tenant_id = $1 AND c.status = ANY($3::text[]) LIMIT $2) a)::int))`,
          [tenantId, cap, ACTIVE_STATUSES, maxPerRound - admitted],
        );
        const done: string[] = [];
        for (const row of rows) {
          try {
            await withLogContext({ caseId: row.envelope.caseId, correlationId: row.envelope.correlationId }, () => create(row.envelope));
          } catch (error) {
            // Left queued, in order: the next round tries again (an outage), or an operator sees it in /v1/admission.
            this.logger.error('admitting a queued ticket failed; it stays queued', { tenantId, error: describeError(error) });
            break;
          }
          done.push(row.seq);
          this.admittedTotal?.inc({ tenant: tenantId });
          this.waitSeconds?.observe(row.waited);
        }
        if (done.length > 0) await tx.query('DELETE FROM supervisor.admission_queue WHERE seq = ANY($1::bigint[])', [done]);
        return done.length;
      });
    }
    return admitted;
  }

  /** Where a queued case stands: its tenant, its place in the tenant's queue (1 = next), since when; undefined when not queued. */
  async position(caseId: string): Promise<{ caseId: string; tenantId: string; position: number; enqueuedAt: string } | undefined> {
    const { rows } = await this.pool.query<{ tenant_id: string; position: number; enqueued_at: Date }>(
      `SELECT q.tenant_id, q.enqueued_at,
              (SELECT count(*) FROM supervisor.admission_queue o WHERE o.tenant_id = q.tenant_id AND o.seq <= q.seq)::int AS position
         FROM supervisor.admission_queue q WHERE q.case_id = $1`,
      [caseId],
    );
    const r = rows[0];
    return r ? { caseId, tenantId: r.tenant_id, position: r.position, enqueuedAt: r.enqueued_at.toISOString() } : undefined;
  }

  /** Tenants with a backlog: what the admission API and the operations docs show. */
  async backlog(): Promise<TenantBacklog[]> {
    const { rows } = await this.pool.query<{ tenant_id: string; queued: number; active: number; oldest: Date }>(
      `SELECT q.tenant_id, q.queued, q.oldest,
              (SELECT count(*) FROM supervisor.cases c WHERE c.tenant_id = q.tenant_id AND c.status = ANY($1::text[]))::int AS active
         FROM (SELECT tenant_id, count(*)::int AS queued, min(enqueued_at) AS oldest FROM supervisor.admission_queue GROUP BY tenant_id) q
        ORDER BY q.oldest`,
      [ACTIVE_STATUSES],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, queued: r.queued, active: r.active, oldestEnqueuedAt: r.oldest.toISOString() }));
  }
}

/** Serialises admission decisions of one tenant (transaction-scoped advisory lock; other tenants are not held up). */
async function lockTenant(tx: PoolClient, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard.admission'), hashtext($1))`, [tenantId]);
}
