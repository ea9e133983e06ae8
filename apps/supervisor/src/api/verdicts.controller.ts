import { Controller, Get, Inject, Param, UseFilters, UseGuards } from '@nestjs/common';
import { Pool } from 'pg';
import { CaseIdSchema } from '@switchboard/contracts';
import { describeError, JsonLogger } from '@switchboard/observability';
import { ActorGuard } from '../auth/actor.guard';
import { CaseNotFoundError } from '../console/console.service';
import { GatewayAdminPort } from '../gateway/gateway-admin.port';
import { verdictsFromGateway, verdictsFromRecords, type ControlVerdict, type DecisionRow, type TraceRow } from '../verdicts/control-verdicts';
import { SupervisorErrorFilter } from './error.filter';
import { parseBody } from './parse';

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
