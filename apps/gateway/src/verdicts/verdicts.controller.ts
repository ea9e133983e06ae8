import { Controller, Get, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { AuditRepository } from '../audit/audit.repository';
import { TaskAuthService } from '../auth/task-auth.service';
import { zodIssues } from '../catalog/schema-validator';
import { GatewayFailure } from '../invoke/gateway-failure';

const instant = z.string().max(40).refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO date or date-time').transform((v) => new Date(v));
/** One case (`caseId`), or every case in a period (`since`, optional `until`, tenant, rule, decision, limit). */
const QuerySchema = z.union([
  z.strictObject({ caseId: z.string().min(1).max(200) }),
  z.strictObject({
    since: instant, until: instant.optional(), tenantId: z.string().min(1).max(200).optional(),
    rule: z.string().regex(/^[A-Z_]{3,64}$/, 'a gateway error code').optional(),
    decision: z.enum(['denied', 'throttled', 'held', 'approved', 'rejected', 'replayed', 'reported', 'allowed']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  }).refine((q) => !q.until || q.since < q.until, { path: ['since'], message: 'since must be before until' }),
]);

/** One control decision of the gateway on a tool call: what the supervisor's verdict ledger shows for it. */
export interface GatewayVerdict {
  auditId: string;
  caseId: string | null;
  tenantId: string | null;
  at: string;
  agent: string | null;
  taskId: string | null;
  tool: string;
  /** denied, throttled, held, approved, rejected, replayed — or allowed with a backend/output error. */
  decision: string;
  /** The rule or check that decided (the gateway error code), when one did. */
  rule: string | null;
  /**
   * The version of the rules that decided it, as recorded with the row: `tool:<name>@<hex>` (the tool's definition:
   * schemas, scope, rate limit, approval thresholds…), `catalog:<hex>` for an unknown tool; null for a refusal of the
   * token itself and for rows written before gateway migration 005.
   */
  ruleVersion: string | null;
  approvalId: string | null;
}

/**
 * The gateway's control verdicts of a case (`?caseId=`) or of every case in a period (`?since=[&until=&tenantId=&rule=
 * &decision=&limit=]`, newest first), read from its hash-chained audit log (service key only): every call that
 * was not simply allowed — refused by token, scope, tenant, schema or mode; throttled; held for approval; approved or
 * rejected; replayed from the write ledger — and allowed calls that failed a check after the backend. Arguments and
 * results stay in the audit log.
 */
@Controller('v1/verdicts')
export class VerdictsController {
  constructor(private readonly audit: AuditRepository, private readonly auth: TaskAuthService) {}

  @Get()
  async list(@Query() query: unknown, @Req() req: Request): Promise<{ verdicts: GatewayVerdict[] }> {
    if (!this.auth.isAdmin(req.headers as { 'x-admin-key'?: string | string[] })) throw new GatewayFailure('TOKEN_INVALID', 'verdicts need the gateway service key (X-Admin-Key)');
    const parsed = QuerySchema.safeParse(query);
    if (!parsed.success) throw new GatewayFailure('ARGUMENTS_INVALID', 'invalid verdicts query', { issues: zodIssues(parsed.error) });
    const q = parsed.data;
    const rows = 'caseId' in q
      ? await this.audit.byCase(q.caseId)
      : await this.audit.verdicts({ since: q.since, until: q.until ?? new Date(), limit: q.limit, ...(q.tenantId ? { tenantId: q.tenantId } : {}), ...(q.rule ? { rule: q.rule } : {}), ...(q.decision ? { decision: q.decision } : {}) });
    return {
      verdicts: rows.filter((r) => r.decision !== 'allowed' || r.errorCode !== null).map((r) => ({
        auditId: r.id, caseId: r.caseId, tenantId: r.tenantId, at: r.at, agent: r.agent, taskId: r.taskId, tool: r.tool, decision: r.decision, rule: r.errorCode, ruleVersion: r.ruleVersion ?? null, approvalId: r.approvalId,
      })),
    };
  }
}
