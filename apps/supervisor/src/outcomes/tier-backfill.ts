import type { Pool } from 'pg';
import { JsonLogger } from '@switchboard/observability';
import type { CaseCore } from '../case/case.types';
import { outcomeTier, type OutcomeTier } from './outcome-tier';

/** What a backfill did (or, dry, would do). */
export interface TierBackfillReport {
  dryRun: boolean;
  /** Settled cases without a tier that were looked at. */
  examined: number;
  /** Tiers written (or that would be), by tier. */
  tiered: Partial<Record<OutcomeTier, number>>;
  /** Cases left without a tier, by why: their stored state does not hold the facts the tier rests on. */
  skipped: Record<string, number>;
  /** Cases that changed while the backfill ran (their next transition stores their tier). */
  raced: number;
}

export interface TierBackfillOptions {
  dryRun?: boolean;
  /** Only this tenant's cases. */
  tenant?: string;
  /** Cases read and written per transaction. */
  batchSize?: number;
  /** Called after each batch (progress on long runs). */
  onBatch?: (report: TierBackfillReport) => void;
}

const SETTLED = ['RESOLVED', 'ESCALATED', 'CLOSED', 'FAILED'];

/**
 * Why a settled case's stored state cannot be given a tier, or null when it can. A resolved case needs the verifier's
 * verdict in its state (`verification`): without it, "verified" would be a guess, and the KPI counts only evidence.
 */
export function backfillGap(status: string, state: Record<string, unknown>): string | null {
  if (status === 'RESOLVED' && (typeof state['verification'] !== 'object' || state['verification'] === null)) return 'resolved without the verifier\'s verdict recorded';
  return null;
}

/**
 * Gives the settled cases decided before outcome tiers were recorded (`not_recorded` in the KPIs) the tier the state
 * machine would have stored, computed by the same pure function from the facts in their stored state; a case whose
 * state lacks those facts keeps no tier and is counted with the reason. Writes only `state.tier`, only where it is still
 * absent and the case's version is the one read (a case that moved meanwhile gets its tier from its own transition),
 * so it is safe while the supervisor runs and safe to run again. No transition, trace or decision-log row: the tier is
 * derived, not decided.
 *
 * @example
 * const report = await backfillTiers(pool, { dryRun: true }); // { examined: 120, tiered: { verified_autonomous: 80, … }, … }
 */
export async function backfillTiers(pool: Pool, options: TierBackfillOptions = {}): Promise<TierBackfillReport> {
  const logger = new JsonLogger('TierBackfill');
  const batchSize = options.batchSize ?? 500;
  const report: TierBackfillReport = { dryRun: options.dryRun ?? false, examined: 0, tiered: {}, skipped: {}, raced: 0 };
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{ case_id: string; status: string; mode: string; version: number; state: Record<string, unknown> }>(
      `SELECT case_id, status, mode, version, state FROM supervisor.cases
        WHERE status = ANY($1) AND NOT (state ? 'tier') AND case_id > $2 AND ($3::text IS NULL OR tenant_id = $3)
        ORDER BY case_id LIMIT $4`,
      [SETTLED, after, options.tenant ?? null, batchSize],
    );
    if (rows.length === 0) return report;
    after = rows[rows.length - 1]!.case_id;
    const writes: Array<{ caseId: string; version: number; tier: OutcomeTier }> = [];
    for (const row of rows) {
      report.examined++;
      const gap = backfillGap(row.status, row.state);
      if (gap) {
        report.skipped[gap] = (report.skipped[gap] ?? 0) + 1;
        continue;
      }
      // The columns are the case's status and mode as the last transition wrote them; the run defaults to the first.
      const facts = { ...row.state, status: row.status, mode: row.mode, run: typeof row.state['run'] === 'number' ? row.state['run'] : 1 } as unknown as CaseCore;
      const tier = outcomeTier(facts)?.tier;
      if (!tier) {
        report.skipped['no tier for this state'] = (report.skipped['no tier for this state'] ?? 0) + 1;
        continue;
      }
      writes.push({ caseId: row.case_id, version: row.version, tier });
    }
    if (!report.dryRun && writes.length > 0) {
      const { rows: written } = await pool.query<{ case_id: string }>(
        `UPDATE supervisor.cases c SET state = jsonb_set(c.state, '{tier}', to_jsonb(w.tier))
           FROM unnest($1::text[], $2::int[], $3::text[]) AS w(case_id, version, tier)
          WHERE c.case_id = w.case_id AND c.version = w.version AND NOT (c.state ? 'tier')
        RETURNING c.case_id`,
        [writes.map((w) => w.caseId), writes.map((w) => w.version), writes.map((w) => w.tier)],
      );
      const done = new Set(written.map((r) => r.case_id));
      for (const w of writes) {
        if (done.has(w.caseId)) report.tiered[w.tier] = (report.tiered[w.tier] ?? 0) + 1;
        else report.raced++;
      }
    } else {
      for (const w of writes) report.tiered[w.tier] = (report.tiered[w.tier] ?? 0) + 1;
    }
    logger.info('tier backfill batch', { examined: report.examined, tiered: report.tiered, skipped: report.skipped, raced: report.raced, dryRun: report.dryRun });
    options.onBatch?.(report);
  }
}
