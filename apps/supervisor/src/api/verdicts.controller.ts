import { BadGatewayException, ConflictException, Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { Pool } from 'pg';
import { z } from 'zod';
import { CaseIdSchema } from '@switchboard/contracts';
import type { ApprovalPreview } from '@switchboard/gateway-client';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ActorGuard } from '../auth/actor.guard';
import { CaseNotFoundError } from '../console/console.service';
import { GatewayAdminPort } from '../gateway/gateway-admin.port';
import { verdictsFromGateway, verdictsFromLedger, verdictsFromRecords, type ControlVerdict, type DecisionRow, type LedgerRow, type TraceRow } from '../verdicts/control-verdicts';
import { instant, period } from './console.controller';
import { parseBody } from './parse';

const SOURCES = ['supervisor', 'intake', 'triage', 'verifier', 'llm', 'console', 'gateway'] as const;
const LedgerQuerySchema = z.object({
  from: instant.optional(), to: instant.optional(),
  source: z.enum(SOURCES).optional(),
  control: z.string().regex(/^[a-z_]{2,40}$/, 'a control name such as breaker, approval, tenant, rate_limit').optional(),
  tenant: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
}).strict();

/** A timestamp column as an ISO-8601 UTC string with milliseconds, named `at`. */
const atIso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`;

/**
 * What the guardrails decided, read from the supervisor's records and, through the gateway's service-key API, from the
 * gateway's (the supervisor holds no backend credential): the control-verdict ledger of a case and across cases
 * (docs/supervisor.md "Control verdicts"), and the preview of a held write. When the gateway cannot be read, the
 * ledgers still answer the supervisor's verdicts with `gateway.available: false` and why; a preview answers 502.
 */
@Controller('v1')
@UseGuards(ActorGuard)
export class VerdictsController {
  private readonly logger = new JsonLogger(VerdictsController.name);

  constructor(@Inject(Pool) private readonly pool: Pool, @Inject(GatewayAdminPort) private readonly gateway: GatewayAdminPort) {}

  /** The ledger of a case: every guardrail decision on it, oldest first. */
  @Get('cases/:id/verdicts')
  async verdicts(@Param('id') id: string): Promise<{ caseId: string; verdicts: ControlVerdict[]; gateway: { available: boolean; error?: string } }> {
    const caseId = parseBody(CaseIdSchema, id);
    const { rowCount } = await this.pool.query('SELECT 1 FROM supervisor.cases WHERE case_id = $1', [caseId]);
    if (!rowCount) throw new CaseNotFoundError(caseId);
    // The ledger (supervisor.control_verdicts) for every case version it covers; the trace is read only for versions
    // written before it existed (or by a replica of the previous release), where no ledger row stands for them.
    const [ledger, trace, decisions] = await Promise.all([
      this.pool.query<LedgerRow>(
        `SELECT id::text, case_version AS "caseVersion", source, control, rule, rule_version AS "ruleVersion", verdict, agent, task_id AS "taskId", detail, ${atIso('at')}
           FROM supervisor.control_verdicts WHERE case_id = $1 ORDER BY id`, [caseId]),
      this.pool.query<TraceRow>(
        `SELECT id::text, kind, agent, task_id AS "taskId", data, ${atIso('at')}
           FROM supervisor.trace t WHERE case_id = $1 AND kind IN ('breaker', 'event', 'result')
            AND NOT EXISTS (SELECT 1 FROM supervisor.control_verdicts v WHERE v.case_id = t.case_id AND v.case_version = t.version) ORDER BY id`, [caseId]),
      this.pool.query<DecisionRow>(
        `SELECT id::text, command, actor_id AS "actorId", arguments, ${atIso('at')}
           FROM supervisor.decisions WHERE case_id = $1 AND command IN ('approve', 'reject') ORDER BY id`, [caseId]),
    ]);
    const verdicts = [...verdictsFromLedger(ledger.rows), ...verdictsFromRecords(trace.rows, decisions.rows)];
    let gateway: { available: boolean; error?: string } = { available: true };
    try {
      verdicts.push(...verdictsFromGateway(await this.gateway.verdicts(caseId)));
    } catch (error) {
      const info = describeError(error);
      this.logger.warn('the gateway\'s verdicts could not be read; answering the supervisor\'s', { caseId, error: info });
      gateway = { available: false, error: info.message };
    }
    verdicts.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { caseId, verdicts, gateway };
  }

  /**
   * The ledger across cases: what the guardrails refused, capped, held or escalated in a period, newest first, each
   * with its case. Passed verifications and plain allowed calls are only on each case's own ledger.
   * `?from=&to=&source=&control=&tenant=&limit=` (default: the last 24 hours, 200 verdicts).
   */
  @Get('verdicts')
  async list(@Query() query: unknown): Promise<{ from: string; to: string; verdicts: ControlVerdict[]; gateway: { available: boolean; error?: string } }> {
    const q = parseBody(LedgerQuerySchema, query);
    const { from, to } = period(q, 1);
    const verdicts: ControlVerdict[] = [];
    if (q.source !== 'gateway') {
      const tenant = q.tenant ? 'AND c.tenant_id = $4' : '';
      const params = [from, to, q.limit, ...(q.tenant ? [q.tenant] : [])];
      const [ledger, trace, decisions] = await Promise.all([
        // What the guardrails stopped or flagged: the ledger without passed verifications.
        this.pool.query<LedgerRow>(
          `SELECT v.id::text, v.case_id AS "caseId", v.case_version AS "caseVersion", v.source, v.control, v.rule, v.rule_version AS "ruleVersion",
                  v.verdict, v.agent, v.task_id AS "taskId", v.detail, ${atIso('v.at')}
             FROM supervisor.control_verdicts v JOIN supervisor.cases c ON c.case_id = v.case_id
            WHERE v.at >= $1 AND v.at < $2 ${tenant} AND v.verdict <> 'passed'
            ORDER BY v.at DESC, v.id DESC LIMIT $3`, params),
        // Trace rows of versions the ledger does not cover (written before it existed).
        this.pool.query<TraceRow>(
          `SELECT t.id::text, t.case_id AS "caseId", t.kind, t.agent, t.task_id AS "taskId", t.data, ${atIso('t.at')}
             FROM supervisor.trace t JOIN supervisor.cases c ON c.case_id = t.case_id
            WHERE t.at >= $1 AND t.at < $2 ${tenant}
              AND (t.kind = 'breaker'
                OR (t.kind = 'event' AND t.data->>'event' IN ('policy_violation', 'breaker_reported'))
                OR (t.kind = 'result' AND t.agent = 'verifier' AND t.data->'verifier'->>'verified' = 'false')
                OR (t.kind = 'result' AND t.agent = 'triage' AND (t.data->'triage'->>'injectionRisk' <> 'none' OR t.data->'triage'->'pii'->>'found' = 'true')))
              AND NOT EXISTS (SELECT 1 FROM supervisor.control_verdicts v WHERE v.case_id = t.case_id AND v.case_version = t.version)
            ORDER BY t.at DESC, t.id DESC LIMIT $3`, params),
        this.pool.query<DecisionRow>(
          `SELECT d.id::text, d.case_id AS "caseId", d.command, d.actor_id AS "actorId", d.arguments, ${atIso('d.at')}
             FROM supervisor.decisions d JOIN supervisor.cases c ON c.case_id = d.case_id
            WHERE d.at >= $1 AND d.at < $2 ${tenant} AND d.command IN ('approve', 'reject') ORDER BY d.at DESC, d.id DESC LIMIT $3`, params),
      ]);
      verdicts.push(...verdictsFromLedger(ledger.rows));
      verdicts.push(...verdictsFromRecords(trace.rows, decisions.rows));
    }
    let gateway: { available: boolean; error?: string } = { available: true };
    if (!q.source || q.source === 'gateway') {
      try {
        const rows = await this.gateway.verdictsSince({ since: from.toISOString(), until: to.toISOString(), limit: q.limit, ...(q.tenant ? { tenantId: q.tenant } : {}) });
        verdicts.push(...verdictsFromGateway(rows));
      } catch (error) {
        const info = describeError(error);
        this.logger.warn('the gateway\'s verdicts could not be read; answering the supervisor\'s', { error: info });
        gateway = { available: false, error: info.message };
      }
    }
    const kept = verdicts.filter((v) => (!q.source || v.source === q.source) && (!q.control || v.control === q.control));
    kept.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    return { from: from.toISOString(), to: to.toISOString(), verdicts: kept.slice(0, q.limit), gateway };
  }

  /** What approving the case's held write would change: 409 when nothing is held, 502 when the gateway cannot answer. */
  @Get('cases/:id/approval/preview')
  async preview(@Param('id') id: string): Promise<ApprovalPreview> {
    const caseId = parseBody(CaseIdSchema, id);
    const { rows } = await this.pool.query<{ status: string; approvalId: string | null }>(
      `SELECT status, state->'approval'->>'approvalId' AS "approvalId" FROM supervisor.cases WHERE case_id = $1`, [caseId]);
    const row = rows[0];
    if (!row) throw new CaseNotFoundError(caseId);
    if (row.status !== 'AWAITING_APPROVAL' || !row.approvalId) throw new ConflictException(`case ${caseId} is ${row.status}: it holds no action awaiting approval`);
    try {
      return await this.gateway.preview(row.approvalId);
    } catch (error) {
      const info = describeError(error);
      this.logger.warn('the gateway could not preview the held action', { caseId, approvalId: row.approvalId, error: info });
      throw new BadGatewayException(`the gateway could not preview the held action: ${info.message}`);
    }
  }
}
