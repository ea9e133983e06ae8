import type { GatewayVerdict } from '@switchboard/gateway-client';
import { traceVerdicts, type TraceVerdict } from '../case/case-verdicts';

/**
 * One guardrail decision on a case: who decided (`source`), which control and rule, what it decided, for which agent
 * and task, and a reference to the record it comes from (a trace row, a decision-log row, a gateway audit row).
 */
export interface ControlVerdict extends Omit<TraceVerdict, 'source'> {
  at: string;
  /** The trace's sources, and the console's decision log and the gateway's audit. */
  source: TraceVerdict['source'] | 'console' | 'gateway';
  /**
   * The version of the rule that decided (`policy:<digest>`, `procedure:<id>@<v>`), from the ledger; null for a verdict
   * read from a trace written before the ledger existed and for the console's records; the gateway's verdicts carry
   * the tool's version (`tool:<name>@<hex>`) recorded with their audit row.
   */
  ruleVersion: string | null;
  ref: { trace?: string; decision?: string; auditId?: string; ledger?: string; caseVersion?: number };
  /** The case (in cross-case answers; a case's own ledger omits it). */
  caseId?: string;
}

/** A trace row as stored (supervisor.trace). */
export interface TraceRow {
  id: string;
  caseId?: string;
  kind: string;
  agent: string | null;
  taskId: string | null;
  data: Record<string, unknown>;
  at: string;
}

/** A decision-log row (supervisor.decisions). */
export interface DecisionRow {
  id: string;
  caseId?: string;
  command: string;
  actorId: string;
  arguments: Record<string, unknown>;
  at: string;
}

/**
 * The supervisor's and the agents' guardrail verdicts, read from what the case already records: breakers, rollout-mode
 * violations, triage's injection screen and redaction, the verifier's read-back, humans' approval decisions. Pure.
 *
 * @example
 * verdictsFromRecords(traceRows, decisionRows); // [{ source: 'supervisor', control: 'breaker', rule: 'unverified', … }]
 */
export function verdictsFromRecords(trace: readonly TraceRow[], decisions: readonly DecisionRow[]): ControlVerdict[] {
  const out: ControlVerdict[] = [];
  for (const t of trace) {
    for (const { reportedVersion, ...v } of traceVerdicts(t)) out.push({ ...v, at: t.at, ruleVersion: reportedVersion ?? null, ref: { trace: t.id }, ...(t.caseId ? { caseId: t.caseId } : {}) });
  }
  for (const d of decisions) {
    if (d.command !== 'approve' && d.command !== 'reject') continue;
    out.push({
      at: d.at, source: 'console', control: 'approval', rule: String(d.arguments['tool'] ?? 'held write'), verdict: d.command === 'approve' ? 'approved' : 'rejected',
      agent: null, taskId: null, ruleVersion: null, detail: `by ${d.actorId}${d.arguments['reason'] ? `: ${String(d.arguments['reason'])}` : ''}`, ref: { decision: d.id },
      ...(d.caseId ? { caseId: d.caseId } : {}),
    });
  }
  return out;
}

/** A row of supervisor.control_verdicts as the API reads it. */
export interface LedgerRow {
  id: string;
  caseId?: string;
  caseVersion: number;
  source: ControlVerdict['source'];
  control: string;
  rule: string;
  ruleVersion: string;
  verdict: string;
  agent: string | null;
  taskId: string | null;
  detail: string | null;
  at: string;
}

/** The ledger's rows in the API's shape, each referring to its row and the case version that wrote it. */
export function verdictsFromLedger(rows: readonly LedgerRow[]): ControlVerdict[] {
  return rows.map((r) => ({
    at: r.at, source: r.source, control: r.control, rule: r.rule, verdict: r.verdict, agent: r.agent, taskId: r.taskId, ruleVersion: r.ruleVersion,
    ...(r.detail ? { detail: r.detail } : {}), ref: { ledger: r.id, caseVersion: r.caseVersion }, ...(r.caseId ? { caseId: r.caseId } : {}),
  }));
}

const GATEWAY_CONTROLS: Array<[RegExp, string]> = [
  [/^TOKEN_/, 'task_token'], [/^(TOOL_NOT_IN_SCOPE|TOOL_NOT_FOUND|WRITE_NOT_ALLOWED_IN_MODE)$/, 'scope'], [/^TENANT_MISMATCH$/, 'tenant'],
  [/^(ARGUMENTS_INVALID|OUTPUT_INVALID)$/, 'schema'], [/^RATE_LIMITED$/, 'rate_limit'], [/^APPROVAL_/, 'approval'], [/^BACKEND_/, 'backend'],
];

/** The gateway's verdicts of a case in the same shape; the control is named from its rule (the gateway error code). */
export function verdictsFromGateway(verdicts: readonly GatewayVerdict[]): ControlVerdict[] {
  return verdicts.map((v) => {
    const byDecision = v.decision === 'held' || v.decision === 'approved' || v.decision === 'rejected' ? 'approval' : v.decision === 'replayed' ? 'write_ledger' : 'gateway';
    const control = (v.rule && GATEWAY_CONTROLS.find(([re]) => re.test(v.rule!))?.[1]) ?? byDecision;
    return {
      at: v.at, source: 'gateway', control, rule: v.rule ?? v.decision, verdict: v.decision, agent: v.agent, taskId: v.taskId, ruleVersion: v.ruleVersion ?? null,
      detail: v.tool, ref: { auditId: v.auditId }, ...(v.caseId ? { caseId: v.caseId } : {}),
    };
  });
}
