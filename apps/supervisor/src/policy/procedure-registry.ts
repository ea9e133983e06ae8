import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { canonicalJson, ProcedureSchema, type Procedure } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';
import { diffProcedures, type ProcedureChange, type ProcedureSet } from '@switchboard/procedures';

/** A procedure's content changed while its version did not: in-flight cases could be verified against the wrong text. */
export class ProcedureVersionError extends SwitchboardError {
  constructor(readonly changed: string[]) {
    super('SUPERVISOR.POLICY_INVALID', 'user', `procedures changed without a version bump (bump \`version\` in the file):\n${changed.map((c) => `  - ${c}`).join('\n')}`);
  }
}

/** sha256 of a procedure's canonical JSON. */
export function procedureDigest(p: Procedure): string {
  return createHash('sha256').update(canonicalJson(p)).digest('hex');
}

/**
 * The versions of procedures the supervisor has run with, in Postgres: every loaded procedure is recorded once per
 * (id, version); loading the same id and version with other content is refused, so `version` always names one text.
 *
 * @example
 * await new ProcedureRegistry(pool).record(set); // throws ProcedureVersionError on a silent change
 */
export class ProcedureRegistry {
  constructor(private readonly pool: Pool) {}

  async record(set: ProcedureSet): Promise<void> {
    const procedures = set.all();
    if (procedures.length === 0) return;
    const { rows } = await this.pool.query<{ id: string; version: number; digest: string }>(
      'SELECT id, version, digest FROM supervisor.procedures WHERE (id, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))',
      [procedures.map((p) => p.id), procedures.map((p) => p.version)],
    );
    const known = new Map(rows.map((r) => [`${r.id}@${r.version}`, r.digest]));
    const changed = procedures.filter((p) => known.has(`${p.id}@${p.version}`) && known.get(`${p.id}@${p.version}`) !== procedureDigest(p));
    if (changed.length > 0) throw new ProcedureVersionError(changed.map((p) => `${p.id}@${p.version} (intent ${p.intent})`));
    await this.pool.query(
      `INSERT INTO supervisor.procedures (id, version, intent, digest, spec)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (id, version) DO UPDATE SET last_loaded_at = now()`,
      [procedures.map((p) => p.id), procedures.map((p) => p.version), procedures.map((p) => p.intent), procedures.map(procedureDigest), procedures.map((p) => JSON.stringify(p))],
    );
  }

  /** Every recorded version, newest first per procedure. */
  async list(): Promise<Array<{ id: string; version: number; intent: string; digest: string; firstLoadedAt: string; lastLoadedAt: string }>> {
    const { rows } = await this.pool.query<{ id: string; version: number; intent: string; digest: string; first_loaded_at: Date; last_loaded_at: Date }>(
      'SELECT id, version, intent, digest, first_loaded_at, last_loaded_at FROM supervisor.procedures ORDER BY intent, id, version DESC',
    );
    return rows.map((r) => ({ id: r.id, version: r.version, intent: r.intent, digest: r.digest.slice(0, 16), firstLoadedAt: r.first_loaded_at.toISOString(), lastLoadedAt: r.last_loaded_at.toISOString() }));
  }

  /** One recorded version (for cases resolved with a procedure that is no longer loaded). */
  async get(id: string, version: number): Promise<Procedure | undefined> {
    const { rows } = await this.pool.query<{ spec: unknown }>('SELECT spec FROM supervisor.procedures WHERE id = $1 AND version = $2', [id, version]);
    return rows[0] ? ProcedureSchema.parse(rows[0].spec) : undefined;
  }

  /** What changed from one recorded version of a procedure to another; undefined when either was never loaded. */
  async diff(id: string, from: number, to: number): Promise<{ id: string; from: number; to: number; changes: ProcedureChange[] } | undefined> {
    const [a, b] = await Promise.all([this.get(id, from), this.get(id, to)]);
    return a && b ? { id, from, to, changes: diffProcedures(a, b) } : undefined;
  }
}
