import type { Pool } from 'pg';
import { REMEMBERED_PREFIX, type VectorStore } from '@switchboard/memory';
import { JsonLogger, SwitchboardError } from '@switchboard/observability';
import { inTransaction } from '@switchboard/store';

/** Whose data to erase: every case of a tenant, or every case a requester (by e-mail) opened. */
export type ErasureSubject = { tenant: string } | { requester: string };

/** Cases in these statuses have no agent work in flight, so their data can be replaced under them. */
export const ERASABLE_STATUSES = ['RESOLVED', 'FAILED', 'CLOSED', 'ESCALATED'] as const;

/** What one erasure did (or, with `dryRun`, would touch). */
export interface ErasureReport {
  subject: ErasureSubject;
  dryRun: boolean;
  /** Cases whose personal data was erased. */
  cases: string[];
  /** Cases left alone because agents may still be working on them: close them (console) and erase again. */
  inFlight: Array<{ caseId: string; status: string }>;
  rows: {
    trace: number; verdicts: number; checkpoints: number; feedback: number; outboxDeleted: number; outboxUnsent: number;
    auditErased: number; auditLegacyKept: number; approvals: number; writeLedger: number; memoryDocuments: number;
  };
  /** Where the gateway tables were found: `false` when they are not in the database given (set GATEWAY_DATABASE_URL). */
  gateway: boolean;
  memory: boolean;
}

/** The erasure was asked for something it cannot do. */
export class ErasureInputError extends SwitchboardError {
  constructor(message: string) {
    super('SUPERVISOR.ERASURE_INPUT', 'user', message);
  }
}

export const ERASED = '[erased]';
export const ERASED_EMAIL = 'erased@erased.invalid';

/**
 * Erasure of a tenant's or a requester's personal data (docs/operations.md "Erasure"). What a case needs to stay a
 * case — ids, tenant, region, status, intent, timings, token and cost figures, transitions, outcomes — is kept, so
 * KPIs and the queue still add up; what came from or is about the person is replaced or deleted:
 *
 * - the ticket's requester, subject, body, tags and metadata; the agents' context (triage, passages); drafts,
 *   findings, tried calls and approval arguments in the case state; the case version moves on, so a supervisor's cached
 *   copy is refused at its next write and re-read;
 * - trace data and checkpoint deltas (the token and cost columns and breaker names stay), the verdict ledger's free-text
 *   details (control, rule, version and verdict stay), console feedback comments;
 * - published outbox rows of the cases (they carry tickets, replies and task tokens);
 * - in the gateway: the audit rows' arguments and results (hash-chain version 2: the chain still verifies, see
 *   gateway migration 003), arguments and notes of decided approvals, outcomes of executed writes;
 * - remembered resolutions (`case:<id>` documents) in the memory store.
 *
 * Cases still in flight are reported and left alone, tickets waiting for admission (status `QUEUED`) among them. The console's decision log is append-only and kept.
 */
export class ErasureService {
  private readonly logger = new JsonLogger(ErasureService.name);

  constructor(
    private readonly pool: Pool,
    private readonly options: { gatewayPool?: Pool; memory?: { store: VectorStore; collection: string } } = {},
  ) {}

  async erase(subject: ErasureSubject, options: { dryRun?: boolean } = {}): Promise<ErasureReport> {
    const found = await this.findCases(subject);
    const erasable = found.filter((c) => (ERASABLE_STATUSES as readonly string[]).includes(c.status));
    const report: ErasureReport = {
      subject, dryRun: options.dryRun ?? false, cases: erasable.map((c) => c.case_id),
      inFlight: found.filter((c) => !erasable.includes(c)).map((c) => ({ caseId: c.case_id, status: c.status })),
      rows: { trace: 0, verdicts: 0, checkpoints: 0, feedback: 0, outboxDeleted: 0, outboxUnsent: 0, auditErased: 0, auditLegacyKept: 0, approvals: 0, writeLedger: 0, memoryDocuments: 0 },
      gateway: false, memory: Boolean(this.options.memory),
    };
    if (report.dryRun) return report;
    const ids = report.cases;
    if (ids.length > 0) await this.eraseSupervisor(ids, report);
    await this.eraseGateway(ids, 'tenant' in subject ? subject.tenant : undefined, report);
    await this.eraseMemory(erasable, 'tenant' in subject ? subject.tenant : undefined, report);
    this.logger.info('erasure done', { kind: 'tenant' in subject ? 'tenant' : 'requester', cases: ids.length, inFlight: report.inFlight.length, rows: report.rows });
    return report;
  }

  private async findCases(subject: ErasureSubject): Promise<Array<{ case_id: string; tenant_id: string; status: string }>> {
    if ('tenant' in subject) {
      if (!subject.tenant.trim()) throw new ErasureInputError('--tenant needs a tenant id');
      const { rows } = await this.pool.query(
        `SELECT case_id, tenant_id, status FROM supervisor.cases WHERE tenant_id = $1
         UNION ALL SELECT case_id, tenant_id, 'QUEUED' FROM supervisor.admission_queue WHERE tenant_id = $1 ORDER BY case_id`,
        [subject.tenant],
      );
      return rows;
    }
    if (!/^[^@\s]+@[^@\s]+$/.test(subject.requester)) throw new ErasureInputError('--requester needs an e-mail address');
    const { rows } = await this.pool.query(
      `SELECT case_id, tenant_id, status FROM supervisor.cases WHERE lower(ticket->'requester'->>'email') = lower($1)
       UNION ALL SELECT case_id, tenant_id, 'QUEUED' FROM supervisor.admission_queue WHERE lower(envelope->'payload'->'requester'->>'email') = lower($1)
       ORDER BY case_id`,
      [subject.requester],
    );
    return rows;
  }

  private async eraseSupervisor(ids: string[], report: ErasureReport): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      await tx.query(
        `UPDATE supervisor.cases SET
           version = version + 1,
           ticket = ticket || jsonb_build_object('requester', jsonb_build_object('email', $2::text), 'subject', $3::text, 'body', $3::text,
                                                 'tags', '[]'::jsonb, 'metadata', '{}'::jsonb),
           context = '{"passages": []}'::jsonb,
           state = (state - 'hint') || jsonb_build_object('findings', '[]'::jsonb, 'tried', '[]'::jsonb)
             || CASE WHEN state ? 'resolution' THEN jsonb_build_object('resolution', jsonb_build_object(
                  'decision', state->'resolution'->'decision', 'summary', $3::text, 'draftReply', $3::text, 'actions', '[]'::jsonb)) ELSE '{}'::jsonb END
             || CASE WHEN state ? 'approval' THEN jsonb_build_object('approval', (state->'approval') || '{"arguments": {}}'::jsonb) ELSE '{}'::jsonb END
             || CASE WHEN state->'verification' ? 'reason' THEN jsonb_build_object('verification', (state->'verification') || jsonb_build_object('reason', $3::text)) ELSE '{}'::jsonb END
         WHERE case_id = ANY($1::text[])`,
        [ids, ERASED_EMAIL, ERASED],
      );
      report.rows.trace = (await tx.query(
        `UPDATE supervisor.trace SET data = CASE WHEN kind = 'breaker' THEN jsonb_build_object('breaker', data->'breaker', 'erased', true) ELSE '{"erased": true}'::jsonb END
          WHERE case_id = ANY($1::text[])`, [ids])).rowCount ?? 0;
      // The verdict ledger is append-only; erasure may only blank a verdict's free text (its trigger allows that alone).
      report.rows.verdicts = (await tx.query('UPDATE supervisor.control_verdicts SET detail = NULL WHERE case_id = ANY($1::text[]) AND detail IS NOT NULL', [ids])).rowCount ?? 0;
      report.rows.checkpoints = (await tx.query(`UPDATE supervisor.checkpoints SET delta = '{"erased": true}'::jsonb WHERE case_id = ANY($1::text[])`, [ids])).rowCount ?? 0;
      report.rows.feedback = (await tx.query(`UPDATE supervisor.feedback SET comment = '', subject = '{}'::jsonb WHERE case_id = ANY($1::text[])`, [ids])).rowCount ?? 0;
      report.rows.outboxDeleted = (await tx.query('DELETE FROM outbox WHERE key = ANY($1::text[]) AND sent_at IS NOT NULL', [ids])).rowCount ?? 0;
      const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE key = ANY($1::text[])', [ids]);
      report.rows.outboxUnsent = rows[0]!.n;
    });
  }

  private async eraseGateway(ids: string[], tenant: string | undefined, report: ErasureReport): Promise<void> {
    const db = this.options.gatewayPool ?? this.pool;
    const { rows } = await db.query<{ ok: boolean }>(`SELECT to_regclass('gateway.audit_log') IS NOT NULL AND to_regclass('gateway.approvals') IS NOT NULL AS ok`);
    if (!rows[0]?.ok) return;
    report.gateway = true;
    // A tenant's audit rows also count when their case is unknown here (calls outside a case, or cases already gone).
    const scope = `(case_id = ANY($1::text[]) OR ($2::text IS NOT NULL AND tenant_id = $2))`;
    await inTransaction(db, async (tx) => {
      report.rows.auditErased = (await tx.query(
        `UPDATE gateway.audit_log SET arguments = NULL, result = NULL, salt = NULL, erased_at = now()
          WHERE ${scope} AND hash_version >= 2 AND erased_at IS NULL`, [ids, tenant ?? null])).rowCount ?? 0;
      const legacy = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.audit_log WHERE ${scope} AND hash_version = 1`, [ids, tenant ?? null]);
      report.rows.auditLegacyKept = legacy.rows[0]!.n;
      // Pending holds still need their arguments to run once approved; they belong to cases in flight anyway.
      report.rows.approvals = (await tx.query(
        `UPDATE gateway.approvals SET arguments = '{}'::jsonb, decision_note = NULL WHERE ${scope} AND status <> 'pending'`, [ids, tenant ?? null])).rowCount ?? 0;
      report.rows.writeLedger = (await tx.query(
        `UPDATE gateway.write_ledger SET outcome = '{"erased": true}'::jsonb WHERE ${scope} AND status = 'done'`, [ids, tenant ?? null])).rowCount ?? 0;
    });
  }

  private async eraseMemory(cases: Array<{ case_id: string; tenant_id: string }>, tenant: string | undefined, report: ErasureReport): Promise<void> {
    const memory = this.options.memory;
    if (!memory) return;
    const documents = new Map(cases.map((c) => [`${REMEMBERED_PREFIX}${c.case_id}`, c.tenant_id]));
    if (tenant) {
      for (const chunk of await memory.store.listChunks(memory.collection, { tenantId: tenant })) {
        if (chunk.documentId.startsWith(REMEMBERED_PREFIX)) documents.set(chunk.documentId, tenant);
      }
    }
    for (const [documentId, tenantId] of documents) {
      const before = await memory.store.listChunks(memory.collection, { tenantId, documentId });
      if (before.length === 0) continue;
      await memory.store.deleteByDocument(memory.collection, documentId, tenantId);
      report.rows.memoryDocuments++;
    }
  }
}
