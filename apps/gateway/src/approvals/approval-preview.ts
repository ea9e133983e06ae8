import { Injectable } from '@nestjs/common';
import { valueAt } from '@switchboard/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { TaskAuthService } from '../auth/task-auth.service';
import { toBackendRequest, toOutcome } from '../backend/backend-call';
import { BackendPort } from '../backend/backend.port';
import type { Preview, ToolDefinition } from '../catalog/catalog.schema';
import { ToolCatalog } from '../catalog/tool-catalog';
import { GatewayFailure } from '../invoke/gateway-failure';
import { ApprovalRepository } from './approval.repository';
import { approvalView } from './approval.service';

/** One field of a preview: its value now and after the held write (`changes` when they differ). */
export interface PreviewRow {
  path: string;
  label: string;
  before: unknown;
  after: unknown;
  changes: boolean;
}

/** A write's preview definition: its own, or else its readBack check's fields (each with the value it promises). */
export function previewOf(def: ToolDefinition): Preview | undefined {
  if (def.preview) return def.preview;
  if (!def.readBack) return undefined;
  return {
    tool: def.readBack.tool,
    arguments: def.readBack.arguments,
    fields: def.readBack.expect.map((e) => ({ path: e.path, after: e.equalsArgument !== undefined ? { equalsArgument: e.equalsArgument } : { equals: e.equals } })),
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Before and after of each preview field, from the state read now and the held call's arguments. A plus/minus on a
 * value that is not a number gives `after: null` (shown as unknown), never a guess.
 *
 * @example
 * previewRows({ tool: 'get_invoice', arguments: {}, fields: [{ path: 'remaining', after: { minusArgument: 'amount' } }] }, { remaining: 250 }, { amount: 120 });
 * // [{ path: 'remaining', label: 'remaining', before: 250, after: 130, changes: true }]
 */
export function previewRows(preview: Preview, state: unknown, args: Record<string, unknown>): PreviewRow[] {
  return preview.fields.map((f) => {
    const before = valueAt(state, f.path) ?? null;
    let after: unknown = before;
    const a = f.after;
    if (a?.equalsArgument !== undefined) after = args[a.equalsArgument] ?? null;
    else if (a && 'equals' in a && a.equals !== undefined) after = a.equals;
    else if (a?.plusArgument !== undefined || a?.minusArgument !== undefined) {
      const delta = Number(args[(a.plusArgument ?? a.minusArgument)!]);
      after = typeof before === 'number' && Number.isFinite(delta) ? round(before + (a.plusArgument !== undefined ? delta : -delta)) : null;
    }
    return { path: f.path, label: f.label ?? f.path, before, after, changes: JSON.stringify(before) !== JSON.stringify(after) };
  });
}

/**
 * What a held write would change (`GET /v1/approvals/:id/preview`, service key): the state read now through the tool's
 * preview (or readBack) read tool with the gateway's own backend credentials, beside what it will read afterwards,
 * with the exact arguments. The read is audited like any call (agent `approval-preview`, the approval's case and
 * tenant). Only pending approvals are previewed: a decided one has nothing left to decide.
 */
@Injectable()
export class ApprovalPreviewService {
  constructor(
    private readonly approvals: ApprovalRepository,
    private readonly auth: TaskAuthService,
    private readonly catalog: ToolCatalog,
    private readonly backend: BackendPort,
    private readonly audit: AuditRepository,
  ) {}

  async preview(id: string, headers: { authorization?: string; 'x-admin-key'?: string | string[] }): Promise<Record<string, unknown>> {
    if (!this.auth.isAdmin(headers)) throw new GatewayFailure('TOKEN_INVALID', 'previews need the gateway service key (X-Admin-Key)');
    const row = await this.approvals.get(id);
    if (!row) throw new GatewayFailure('APPROVAL_INVALID', `approval "${id}" does not exist`);
    const approval = approvalView(row);
    if (approval.status !== 'pending') throw new GatewayFailure('APPROVAL_INVALID', `approval "${id}" is ${String(approval.status)}: only a pending approval has a preview`);
    const tool = this.catalog.get(row.tool);
    const preview = tool ? previewOf(tool.def) : undefined;
    const reader = preview ? this.catalog.get(preview.tool) : undefined;
    if (!tool || !preview || !reader) throw new GatewayFailure('TOOL_NOT_FOUND', `"${row.tool}" has no preview in the loaded catalogue`);
    const args = row.arguments as Record<string, unknown>;
    const readArgs = Object.fromEntries(Object.entries(preview.arguments).map(([readArg, writeArg]) => [readArg, args[writeArg]]));
    // The tenant of the read is the approval's, whatever the mapping says: a preview never reads another tenant.
    readArgs[reader.def.tenantArgument] = row.tenantId;
    const started = performance.now();
    const { result } = toOutcome(reader, await this.backend.call(toBackendRequest(reader, readArgs, { traceHeaders: {} })));
    const audited = await this.audit.tryAppend({
      caseId: row.caseId, taskId: null, tenantId: row.tenantId, agent: 'approval-preview', tool: reader.def.name, toolCallId: null,
      arguments: readArgs, decision: 'allowed', outcome: result.status, errorCode: result.status === 'error' ? result.error.code : null,
      result: result.status === 'ok' ? result.result : result.status === 'error' ? result.error : null,
      latencyMs: Math.round(performance.now() - started), approvalId: row.id, idempotencyKey: null, ruleVersion: reader.version,
    });
    // Every read leaves its audit row: a preview that could not be recorded is not shown.
    if (!audited) throw new GatewayFailure('BACKEND_UNAVAILABLE', `the preview read of ${reader.def.name} could not be recorded in the audit log, so it is withheld; retry later`);
    if (result.status === 'error') throw new GatewayFailure(result.error.code, `the preview could not read ${reader.def.name}: ${result.error.message}`);
    if (result.status !== 'ok') throw new GatewayFailure('BACKEND_ERROR', `the preview could not read ${reader.def.name}`);
    return {
      approvalId: row.id, tool: row.tool, arguments: args, caseId: row.caseId, tenantId: row.tenantId, expiresAt: approval.expiresAt,
      read: { tool: reader.def.name, arguments: readArgs }, readAt: new Date().toISOString(),
      fields: previewRows(preview, result.result, args),
    };
  }
}
