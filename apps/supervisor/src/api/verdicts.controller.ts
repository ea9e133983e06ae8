import { Controller, Get, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Pool } from 'pg';
import { z } from 'zod';
import { CaseIdSchema } from '@switchboard/contracts';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ActorGuard } from '../auth/actor.guard';
import { CaseNotFoundError } from '../console/console.service';
import { GatewayAdminPort } from '../gateway/gateway-admin.port';
import { verdictsFromGateway, verdictsFromRecords, type ControlVerdict, type DecisionRow, type TraceRow } from '../verdicts/control-verdicts';
import { instant, period } from './console.controller';
import { SupervisorErrorFilter } from './error.filter';
import { parseBody } from './parse';

const SOURCES = ['supervisor', 'triage', 'verifier', 'console', 'gateway'] as const;
const LedgerQuerySchema = z.object({
  from: instant.optional(), to: instant.optional(),
  source: z.enum(SOURCES).optional(),
  control: z.string().regex(/^[a-z_]{2,40}$/, 'a control name such as breaker, approval, tenant, rate_limit').optional(),
  tenant: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
}).strict();

const AT = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`;

/**
 * The control-verdict ledger of a case (docs/supervisor.md "Control verdicts"): every guardrail decision on it, from
 * the supervisor's trace and decision log and from the gateway's hash-chained audit log, oldest first. When the
 * gateway cannot be read the supervisor's verdicts are still answered, with `gateway.available: false` and why.
 */
@Controller('v1/cases')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
export class VerdictsController {
  private readonly logger = new JsonLogger(VerdictsController.name);

  constructor(@Inject(Pool) private readonly pool: Pool, @Inject(GatewayAdminPort) private readonly gateway: GatewayAdminPort) {}

  @Get(':id/verdicts')
  async verdicts(@Param('id') id: string): Promise<{ caseId: string; verdicts: ControlVerdict[]; gateway: { available: boolean; error?: string } }> {
    const caseId = parseBody(CaseIdSchema, id);
    const { rowCount } = await this.pool.query('SELECT 1 FROM supervisor.cases WHERE case_id = $1', [caseId]);
    if (!rowCount) throw new CaseNotFoundError(caseId);
    const [trace, decisions] = await Promise.all([
      this.pool.query<TraceRow>(
        `SELECT id::text, kind, agent, task_id AS "taskId", data, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
           FROM supervisor.trace WHERE case_id = $1 AND kind IN ('breaker', 'event', 'result') ORDER BY id`, [caseId]),
      this.pool.query<DecisionRow>(
        `SELECT id::text, command, actor_id AS "actorId", arguments, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
           FROM supervisor.decisions WHERE case_id = $1 AND command IN ('approve', 'reject') ORDER BY id`, [caseId]),
    ]);
    const verdicts = verdictsFromRecords(trace.rows, decisions.rows);
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
}

/**
 * The control-verdict ledger across cases (docs/supervisor.md "Control verdicts"): what the guardrails refused,
 * capped, held or escalated in a period, newest first — breakers, rollout-mode violations, injection caps, redactions,
 * failed verifications, approval decisions, and the gateway's refusals, throttles, holds and replays — each with its
 * case. Passed verifications and plain allowed calls are not listed here (they are on each case's own ledger).
 */
@Controller('v1/verdicts')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
export class VerdictLedgerController {
  private readonly logger = new JsonLogger(VerdictLedgerController.name);

  constructor(@Inject(Pool) private readonly pool: Pool, @Inject(GatewayAdminPort) private readonly gateway: GatewayAdminPort) {}

  /** `?from=&to=&source=&control=&tenant=&limit=` (default: the last 24 hours, 200 verdicts). */
  @Get()
  async list(@Query() query: unknown): Promise<{ from: string; to: string; verdicts: ControlVerdict[]; gateway: { available: boolean; error?: string } }> {
    const q = parseBody(LedgerQuerySchema, query);
    const { from, to } = period(q, 1);
    const verdicts: ControlVerdict[] = [];
    if (q.source !== 'gateway') {
      const tenant = q.tenant ? 'AND c.tenant_id = $4' : '';
      const params = [from, to, q.limit, ...(q.tenant ? [q.tenant] : [])];
      const [trace, decisions] = await Promise.all([
        this.pool.query<TraceRow>(
          `SELECT t.id::text, t.case_id AS "caseId", t.kind, t.agent, t.task_id AS "taskId", t.data, ${AT.replace('at AT', 't.at AT')}
             FROM supervisor.trace t JOIN supervisor.cases c ON c.case_id = t.case_id
            WHERE t.at >= $1 AND t.at < $2 ${tenant}
              AND (t.kind = 'breaker'
                OR (t.kind = 'event' AND t.data->>'event' = 'policy_violation')
                OR (t.kind = 'result' AND t.agent = 'verifier' AND t.data->'verifier'->>'verified' = 'false')
                OR (t.kind = 'result' AND t.agent = 'triage' AND (t.data->'triage'->>'injectionRisk' <> 'none' OR t.data->'triage'->'pii'->>'found' = 'true')))
            ORDER BY t.at DESC, t.id DESC LIMIT $3`, params),
        this.pool.query<DecisionRow>(
          `SELECT d.id::text, d.case_id AS "caseId", d.command, d.actor_id AS "actorId", d.arguments, ${AT.replace('at AT', 'd.at AT')}
             FROM supervisor.decisions d JOIN supervisor.cases c ON c.case_id = d.case_id
            WHERE d.at >= $1 AND d.at < $2 ${tenant} AND d.command IN ('approve', 'reject') ORDER BY d.at DESC, d.id DESC LIMIT $3`, params),
      ]);
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
}
